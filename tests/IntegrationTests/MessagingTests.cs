using System.Net.Http.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Platform.IntegrationTests.Support;
using Platform.LocalInfrastructure;
using Platform.Probe;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests;

/// <summary>The outbox and inbox against real PostgreSQL and RabbitMQ, with real process kills.</summary>
[Collection(PlatformCollection.Name)]
public sealed class MessagingTests(PlatformFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_consumer_killed_mid_message_takes_effect_exactly_once_after_redelivery()
    {
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        var blocked = await probe.StartProcessAsync(blockBeforeCommit: true);
        await using var publisher = await probe.StartInProcessAsync(withConsumer: false);
        var messageId = NewId.NextGuid();

        await ProbeEnvironment.PublishAsync(publisher, ProbeEnvironment.Message(Guid.NewGuid(), "500001"), messageId);
        await blocked.WaitForOutputAsync(EffectConsumer.BlockedMarker, Deadline);
        await blocked.KillAsync();
        Assert.Equal(0, await EffectsAsync(probe, messageId));

        await using var restarted = await probe.StartProcessAsync(blockBeforeCommit: false);
        await Poll.UntilAsync(() => EffectsAsync(probe, messageId), count => count > 0, Deadline, "the redelivered message's effect");
        await WaitQueueSettledAsync(probe, ProbeEnvironment.ConsumerQueue);

        Assert.Equal(1, await EffectsAsync(probe, messageId));
        Assert.Equal(1, await fixture.QueryScalarAsync<long>(probe.Database.Name, $"SELECT count(*) FROM inbox_messages WHERE message_id = '{messageId}'"));
    }

    [Fact]
    public async Task A_redelivered_message_has_no_second_effect()
    {
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        await using var consumer = await probe.StartProcessAsync(blockBeforeCommit: false);
        await using var publisher = await probe.StartInProcessAsync(withConsumer: false);
        var messageId = NewId.NextGuid();
        var message = ProbeEnvironment.Message(Guid.NewGuid(), "500002");

        await ProbeEnvironment.PublishAsync(publisher, message, messageId);
        await Poll.UntilAsync(() => EffectsAsync(probe, messageId), count => count > 0, Deadline, "the first delivery's effect");
        await ProbeEnvironment.PublishAsync(publisher, message, messageId);
        await Poll.UntilAsync(() => AcknowledgedAsync(probe, ProbeEnvironment.ConsumerQueue), acked => acked >= 2, Deadline, "the second delivery to be handled");

        Assert.Equal(1, await EffectsAsync(probe, messageId));
    }

    [Fact]
    public async Task A_poison_message_ends_in_the_error_queue_with_no_effect()
    {
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        await using var consumer = await probe.StartProcessAsync(blockBeforeCommit: false);
        await using var publisher = await probe.StartInProcessAsync(withConsumer: false);
        await using var queues = await QueueProbe.BindAsync(probe.AmqpUri, QueueProbe.ExchangeFor<Platform.Contracts.Registry.CountyRegistered>());
        var messageId = NewId.NextGuid();

        await ProbeEnvironment.PublishAsync(publisher, ProbeEnvironment.Message(Guid.NewGuid(), "500003", EffectConsumer.PoisonName), messageId);

        await Poll.UntilAsync(() => queues.CountQueueAsync(ProbeEnvironment.ConsumerQueue + "_error"), count => count == 1, Deadline,
            "the poison message in the error queue");
        Assert.Equal(0, await EffectsAsync(probe, messageId));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(probe.Database.Name, "SELECT count(*) FROM inbox_messages"));
    }

    [Fact]
    public async Task Two_relays_never_publish_the_same_outbox_row_twice()
    {
        const int events = 3_000;
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        await using var queue = await QueueProbe.BindAsync(probe.AmqpUri, QueueProbe.ExchangeFor<Platform.Contracts.Registry.CountyRegistered>());

        // Rows are written while neither relay runs, so both start with the whole backlog to fight over.
        await using (var writer = await probe.StartInProcessAsync(withConsumer: false, relayEnabled: false))
        {
            for (var batch = 0; batch < events / 500; batch++)
            {
                await using var scope = writer.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
                for (var i = 0; i < 500; i++)
                {
                    db.Outbox.Publish(ProbeEnvironment.Message(Guid.NewGuid(), (600_000 + batch * 500 + i).ToString("D6")));
                }
                await db.SaveChangesAsync();
            }
        }
        var written = await fixture.QueryScalarAsync<long>(probe.Database.Name, "SELECT count(*) FROM outbox_messages");
        Assert.Equal(events, written);

        var first = probe.StartInProcessAsync(withConsumer: false);
        var second = probe.StartInProcessAsync(withConsumer: false);
        await using var relayA = await first;
        await using var relayB = await second;
        await Poll.UntilAsync(() => fixture.QueryScalarAsync<long>(probe.Database.Name, "SELECT count(*) FROM outbox_messages"),
            count => count == 0, Deadline, "both relays to drain the outbox");
        await Poll.UntilAsync(queue.CountAsync, count => count >= events, Deadline, "every publish to reach the queue");

        var ids = await queue.DrainMessageIdsAsync();
        Assert.Equal(events, ids.Count);
        Assert.Equal(events, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_row_never_tried_is_published_even_when_the_clock_that_wrote_it_ran_ahead()
    {
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        await using var queue = await QueueProbe.BindAsync(probe.AmqpUri, QueueProbe.ExchangeFor<Platform.Contracts.Registry.CountyRegistered>());
        await using (var writer = await probe.StartInProcessAsync(withConsumer: false, relayEnabled: false))
        {
            await using var scope = writer.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            db.Outbox.Publish(ProbeEnvironment.Message(Guid.NewGuid(), "600901"));
            db.Outbox.Publish(ProbeEnvironment.Message(Guid.NewGuid(), "600902"));
            await db.SaveChangesAsync();
        }
        // Both written by an instance whose clock ran 60 hours ahead (a restart with the clock moved
        // back, or another replica's); the second was tried once already and is due again only then.
        await fixture.QueryScalarAsync<long>(probe.Database.Name,
            "WITH moved AS (UPDATE outbox_messages SET created_at = now() + interval '60 hours', next_attempt_at = now() + interval '60 hours' RETURNING 1) SELECT count(*) FROM moved");
        await fixture.QueryScalarAsync<long>(probe.Database.Name,
            "WITH tried AS (UPDATE outbox_messages SET attempts = 1 WHERE id = (SELECT max(id) FROM outbox_messages) RETURNING 1) SELECT count(*) FROM tried");

        await using var relay = await probe.StartInProcessAsync(withConsumer: false);
        await Poll.UntilAsync(() => fixture.QueryScalarAsync<long>(probe.Database.Name, "SELECT count(*) FROM outbox_messages"),
            count => count == 1, Deadline, "the row never tried to be published");
        await Poll.UntilAsync(queue.CountAsync, count => count >= 1, Deadline, "its publish to reach the queue");
        Assert.Equal(1, await fixture.QueryScalarAsync<long>(probe.Database.Name, "SELECT count(*) FROM outbox_messages WHERE attempts = 1"));
        Assert.Single(await queue.DrainMessageIdsAsync());
    }

    private Task<long> EffectsAsync(ProbeEnvironment probe, Guid messageId) =>
        fixture.QueryScalarAsync<long>(probe.Database.Name, $"SELECT count(*) FROM effects WHERE message_id = '{messageId}'");

    private async Task<long> AcknowledgedAsync(ProbeEnvironment probe, string queue)
    {
        foreach (var stats in await QueuesAsync(probe))
        {
            if (stats.GetProperty("name").GetString() == queue &&
                // RabbitMQ writes an empty message_stats as [] until the queue has any.
                stats.TryGetProperty("message_stats", out var messageStats) && messageStats.ValueKind == System.Text.Json.JsonValueKind.Object &&
                messageStats.TryGetProperty("ack", out var ack))
            {
                return ack.GetInt64();
            }
        }
        return 0;
    }

    private async Task WaitQueueSettledAsync(ProbeEnvironment probe, string queue) =>
        await Poll.UntilAsync(async () =>
        {
            var stats = (await QueuesAsync(probe)).FirstOrDefault(q => q.GetProperty("name").GetString() == queue);
            // A queue the management API has not gathered statistics for yet has no "messages" field.
            return stats.ValueKind == System.Text.Json.JsonValueKind.Object && stats.TryGetProperty("messages", out var messages)
                ? messages.GetInt64()
                : -1;
        }, messages => messages == 0, Deadline, $"{queue} to have no ready or unacknowledged message");

    private async Task<List<System.Text.Json.JsonElement>> QueuesAsync(ProbeEnvironment probe)
    {
        using var client = fixture.ManagementClient();
        var queues = await client.GetFromJsonAsync<List<System.Text.Json.JsonElement>>($"api/queues/{Uri.EscapeDataString(probe.VirtualHost)}?columns=name,messages,message_stats.ack");
        return queues ?? [];
    }
}
