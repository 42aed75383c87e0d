using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Gateway;
using Platform.Gateway.Webhooks;
using Platform.IntegrationTests.Support;
using Platform.Probe;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Persistence;

namespace Platform.IntegrationTests;

/// <summary>The inbox's processed ids, the idempotency keys' stored answers and ended webhook deliveries go once past their time, and only then.</summary>
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

    [Fact]
    public async Task Webhook_deliveries_go_a_retention_after_their_last_attempt_and_pending_ones_stay()
    {
        var database = await fixture.CreateDatabaseAsync("gateway");
        await new SqlMigrator(NullLogger<SqlMigrator>.Instance)
            .MigrateAsync(database.OwnerConnectionString, SqlMigrator.Discover(typeof(GatewayDbContext).Assembly), CancellationToken.None);
        // The retention is 30 days by default; each row is named for what it shows.
        Assert.Equal(5, await fixture.QueryScalarAsync<long>(database.Name, """
            WITH subscription AS (
                INSERT INTO webhook_subscriptions (id, county_id, county_code, client_id, url, secret, event_types, status, consecutive_failures, created_at, version)
                VALUES (gen_random_uuid(), gen_random_uuid(), '511621', gen_random_uuid(), 'https://hooks.example.cn/', 'secret', '{}', 'active', 0, now(), 1)
                RETURNING id, county_id),
            rows AS (
                INSERT INTO webhook_deliveries (id, subscription_id, county_id, message_id, event_type, position, payload, status, attempts, retry_attempts,
                                                created_at, retry_from, next_attempt_at, last_attempt_at, delivered_at)
                SELECT gen_random_uuid(), s.id, s.county_id, gen_random_uuid(), d.name, 1, '{}', d.status, 1, 1,
                       now() - d.created, now() - d.created, now() - d.created, now() - d.attempted, CASE WHEN d.status = 'delivered' THEN now() - d.attempted END
                FROM subscription s, (VALUES
                    ('delivered-long-ago', 'delivered', interval '40 days', interval '31 days'),
                    ('replayed-lately', 'delivered', interval '40 days', interval '1 day'),
                    ('failed-long-ago', 'failed', interval '40 days', interval '31 days'),
                    ('failed-lately', 'failed', interval '20 days', interval '10 days'),
                    ('pending-for-long', 'pending', interval '60 days', interval '59 days')) AS d (name, status, created, attempted)
                RETURNING 1)
            SELECT count(*) FROM rows
            """));
        await using var services = Contexts.Pooled<GatewayDbContext>(database.AppConnectionString);
        var cleanup = new WebhookDeliveryCleanup(services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new WebhookOptions()),
            TimeProvider.System, NullLogger<WebhookDeliveryCleanup>.Instance);

        Assert.Equal(2, await cleanup.PurgeAsync(CancellationToken.None));

        Assert.Equal("failed-lately,pending-for-long,replayed-lately",
            await fixture.QueryScalarAsync<string>(database.Name, "SELECT string_agg(event_type, ',' ORDER BY event_type) FROM webhook_deliveries"));
    }
}
