using System.Text.Json;
using MassTransit;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests;

/// <summary>Dispatch and Evaluation keep copies of Registry's records from its events; a copy only moves forward.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RegistryReplicaTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_new_countys_settings_reach_dispatch_and_evaluation()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var countyId = (await Counties.RegisterAsync(client, Counties.NewCode())).GetProperty("id").GetGuid();

        foreach (var service in new[] { "dispatch", "evaluation" })
        {
            var version = await Poll.UntilAsync(
                () => fixture.QueryScalarAsync<int>(platform.Databases[service].Name,
                    $"SELECT COALESCE(max(version), 0) FROM registry_county_settings WHERE county_id = '{countyId}'"),
                v => v == 1, TimeSpan.FromSeconds(60), $"{service}'s copy of the county's settings");
            Assert.Equal(1, version);
            var tiers = await fixture.QueryScalarAsync<int>(platform.Databases[service].Name,
                $"SELECT jsonb_array_length(settings->'sla') FROM registry_county_settings WHERE county_id = '{countyId}'");
            Assert.Equal(3, tiers);
        }
    }

    [Fact]
    public async Task An_older_version_arriving_after_a_newer_one_changes_nothing()
    {
        var platform = await fixture.PlatformAsync();
        var countyId = Guid.NewGuid();
        var memberId = Guid.NewGuid();
        var newer = Member(countyId, memberId, version: 2, name: "王新");
        var older = Member(countyId, memberId, version: 1, name: "王旧");
        var newerId = Guid.NewGuid();
        var olderId = Guid.NewGuid();

        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(new Uri(fixture.AmqpUri())));
        await bus.StartAsync();
        try
        {
            await bus.Publish(newer, context => context.MessageId = newerId);
            await bus.Publish(older, context => context.MessageId = olderId);
        }
        finally
        {
            await bus.StopAsync();
        }

        var database = platform.Databases["dispatch"].Name;
        await Poll.UntilAsync(
            () => fixture.QueryScalarAsync<long>(database,
                $"SELECT count(*) FROM inbox_messages WHERE message_id IN ('{newerId}', '{olderId}') AND consumer = 'registry-replica:ReplicaMember'"),
            n => n == 2, TimeSpan.FromSeconds(60), "both member events handled by dispatch");
        Assert.Equal("王新", await fixture.QueryScalarAsync<string>(database, $"SELECT name FROM registry_members WHERE id = '{memberId}'"));
        Assert.Equal(2, await fixture.QueryScalarAsync<int>(database, $"SELECT version FROM registry_members WHERE id = '{memberId}'"));
        Assert.Equal("[\"水电维修\"]", await fixture.QueryScalarAsync<string>(database, $"SELECT to_json(skills)::text FROM registry_members WHERE id = '{memberId}'"));
    }

    [Fact]
    public async Task A_version_saved_while_an_older_one_is_being_applied_is_not_overwritten_by_it()
    {
        // Two versions of one member handled at once (a relay publishes its batch concurrently, a
        // queue's prefetch hands them to parallel consumers): the older one read the copy before the
        // newer one was saved and must not write over it.
        var platform = await fixture.PlatformAsync();
        var countyId = Guid.NewGuid();
        var memberId = Guid.NewGuid();
        var database = platform.Databases["dispatch"].Name;
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(new Uri(fixture.AmqpUri())));
        await bus.StartAsync();
        try
        {
            await bus.Publish(Member(countyId, memberId, version: 1, name: "王一"));
            await Poll.UntilAsync(
                () => fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM registry_members WHERE id = '{memberId}'"),
                n => n == 1, TimeSpan.FromSeconds(60), "dispatch's copy of the member");

            var secondId = Guid.NewGuid();
            await fixture.WhileRowChangesAsync(database, "registry_members", memberId, "name = '王三', version = 3", async () =>
            {
                await bus.Publish(Member(countyId, memberId, version: 2, name: "王二"), context => context.MessageId = secondId);
                return true;
            });
            await Poll.UntilAsync(
                () => fixture.QueryScalarAsync<long>(database,
                    $"SELECT count(*) FROM inbox_messages WHERE message_id = '{secondId}' AND consumer = 'registry-replica:ReplicaMember'"),
                n => n == 1, TimeSpan.FromSeconds(60), "version 2 handled by dispatch");
        }
        finally
        {
            await bus.StopAsync();
        }

        Assert.Equal("王三", await fixture.QueryScalarAsync<string>(database, $"SELECT name FROM registry_members WHERE id = '{memberId}'"));
        Assert.Equal(3, await fixture.QueryScalarAsync<int>(database, $"SELECT version FROM registry_members WHERE id = '{memberId}'"));
    }

    [Fact]
    public async Task A_settings_versions_withdrawal_arriving_before_its_announcement_leaves_it_withdrawn()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var countyId = (await Counties.RegisterAsync(client, Counties.NewCode())).GetProperty("id").GetGuid();
        var copies = platform.Databases["dispatch"].Name;
        var version1 = $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{countyId}' AND version = 1";
        await Poll.UntilAsync(() => fixture.QueryScalarAsync<long>(copies, version1), n => n == 1, TimeSpan.FromSeconds(60), "dispatch's copy of version 1");
        var settings = JsonSerializer.Deserialize<CountySettings>(await fixture.QueryScalarAsync<string>(copies,
            $"SELECT settings::text FROM registry_county_settings WHERE county_id = '{countyId}' AND version = 1"), JsonSerializerOptions.Web)!;
        var effectiveFrom = DateTimeOffset.UtcNow.AddDays(30);
        var announced = new CountySettingsChanged(countyId, 2, effectiveFrom, settings with { ReportingWeek = 3 }, DateTimeOffset.UtcNow.AddMinutes(-1));
        var withdrawn = announced with { ChangedAt = DateTimeOffset.UtcNow, WithdrawnAt = DateTimeOffset.UtcNow };
        var (withdrawnId, announcedId) = (Guid.NewGuid(), Guid.NewGuid());

        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(new Uri(fixture.AmqpUri())));
        await bus.StartAsync();
        try
        {
            await bus.Publish(withdrawn, context => context.MessageId = withdrawnId);
            await bus.Publish(announced, context => context.MessageId = announcedId);
        }
        finally
        {
            await bus.StopAsync();
        }

        foreach (var service in new[] { "dispatch", "evaluation" })
        {
            var database = platform.Databases[service].Name;
            await Poll.UntilAsync(
                () => fixture.QueryScalarAsync<long>(database,
                    $"SELECT count(*) FROM inbox_messages WHERE message_id IN ('{withdrawnId}', '{announcedId}') AND consumer = 'registry-replica:ReplicaCountySettings'"),
                n => n == 2, TimeSpan.FromSeconds(60), $"both settings events handled by {service}");
            Assert.Equal(1, await fixture.QueryScalarAsync<long>(database,
                $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{countyId}' AND version = 2 AND withdrawn_at IS NOT NULL"));
        }
    }

    private static MemberChanged Member(Guid countyId, Guid memberId, int version, string name) => new(
        countyId, memberId, version, RegistryChange.Updated, "M-" + memberId.ToString("n")[..6], name, Guid.NewGuid(), Guid.NewGuid(), null,
        ["水电维修"], ["政策宣讲"], [new AvailabilityWindow(DayOfWeek.Saturday, new TimeOnly(9, 0), new TimeOnly(12, 0))],
        false, null, "active", DateTimeOffset.UtcNow);
}
