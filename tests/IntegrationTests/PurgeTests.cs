using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.IntegrationTests.Support;
using Platform.Probe;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Messaging.Inbox;

namespace Platform.IntegrationTests;

/// <summary>The inbox's processed ids and the idempotency keys' stored answers go once past their time, and only then.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PurgeTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Rows_past_their_time_are_deleted_batch_after_batch_and_the_others_kept()
    {
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        await using var app = await probe.StartInProcessAsync(withConsumer: false, relayEnabled: false);
        var database = probe.Database.Name;
        // More past their time than one batch deletes (5,000), beside a few still within it. The inbox
        // keeps ids for 7 days, the idempotency records carry their own expiry.
        Assert.Equal(12_003, await fixture.QueryScalarAsync<long>(database, """
            WITH rows AS (
                INSERT INTO inbox_messages (message_id, consumer, received_at)
                SELECT gen_random_uuid(), 'purge-test', now() - interval '8 days' FROM generate_series(1, 12000)
                UNION ALL
                SELECT gen_random_uuid(), 'purge-test', now() - interval '6 days' FROM generate_series(1, 3)
                RETURNING 1)
            SELECT count(*) FROM rows
            """));
        Assert.Equal(5, await fixture.QueryScalarAsync<long>(database, """
            WITH rows AS (
                INSERT INTO idempotency_records (scope, key, request_hash, status_code, body, created_at, expires_at)
                SELECT 'county', 'expired-' || n, 'hash', 201, '\x7b7d'::bytea, now() - interval '2 days', now() - interval '1 minute' FROM generate_series(1, 3) n
                UNION ALL
                SELECT 'county', 'live-' || n, 'hash', 201, '\x7b7d'::bytea, now(), now() + interval '1 hour' FROM generate_series(1, 2) n
                RETURNING 1)
            SELECT count(*) FROM rows
            """));

        var hosted = app.Services.GetServices<IHostedService>().ToList();
        await hosted.OfType<InboxCleanup<ProbeDbContext>>().Single().PurgeAsync(CancellationToken.None);
        await hosted.OfType<IdempotencyCleanup<ProbeDbContext>>().Single().PurgeAsync(CancellationToken.None);

        Assert.Equal(3, await fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM inbox_messages"));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM inbox_messages WHERE received_at < now() - interval '7 days'"));
        Assert.Equal("live-1,live-2", await fixture.QueryScalarAsync<string>(database, "SELECT string_agg(key, ',' ORDER BY key) FROM idempotency_records"));
    }
}
