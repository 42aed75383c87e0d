using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Contracts.Registry;
using Platform.LocalInfrastructure;
using Platform.Probe;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Bench;

/// <param name="Events">Events of the counted measurements (commit only, relay drain, concurrent).</param>
/// <param name="InboxEvents">Events of the measurement through the inbox consumer.</param>
/// <param name="BatchSize">Messaging:Outbox:BatchSize, or null for the platform's default.</param>
/// <param name="PrefetchCount">Messaging:PrefetchCount, or null for the platform's default.</param>
public sealed record OutboxSettings(int Events, int Writers, int PerTransaction, int InboxEvents, int? BatchSize, int? PrefetchCount);

/// <summary>
/// The platform's own outbox → relay → RabbitMQ → consumer path, in process: a host wired exactly as a
/// service is (AddServiceDefaults, AddServiceDatabase, AddServiceMessaging) around the probe's
/// database, writer tasks committing outbox rows through the DbContext as a service's handlers do.
/// </summary>
public sealed class OutboxBench(PostgresServer postgres, RabbitMqNode broker, OutboxSettings settings, Func<CpuMeter> cpu)
{
    private const string ServiceName = "bench";

    /// <summary>
    /// Writers alone (relay off), then the relay alone draining what they wrote to a counting
    /// consumer: how fast each half goes by itself.
    /// </summary>
    public async Task MeasureHalvesAsync(Figures figures, CancellationToken cancellationToken)
    {
        var database = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, "bench_outbox_halves", cancellationToken);
        var vhost = await Vhosts.CreateAsync(broker, "outbox-halves", cancellationToken);

        Log.Write($"Outbox, writers alone (relay off): {settings.Events} events, {settings.Writers} writers, {settings.PerTransaction} per transaction");
        await using (var writersOnly = await StartHostAsync(database, vhost, relay: false, counter: null, inbox: false, cancellationToken))
        {
            await Machine.WaitJitSettledAsync(TimeSpan.FromSeconds(20), cancellationToken);
            await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var window = Machine.Begin("outbox writers alone");
            var watch = Stopwatch.StartNew();
            await WriteAsync(writersOnly, cancellationToken);
            var elapsed = watch.Elapsed;
            window.End();
            Log.Write($"  committed in {elapsed.TotalSeconds:F2} s");
            figures.Set("outbox_commit_only_events_per_s", settings.Events / elapsed.TotalSeconds, 0);
            await writersOnly.StopAsync(CancellationToken.None);
        }

        Log.Write($"Outbox, relay alone draining {settings.Events} committed events to a counting consumer");
        var counter = new DeliveryCounter();
        await Machine.WaitJitSettledAsync(TimeSpan.FromSeconds(20), cancellationToken);
        await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var drainWindow = Machine.Begin("outbox relay alone");
        await using var relay = await StartHostAsync(database, vhost, relay: true, counter, inbox: false, cancellationToken);
        var drained = await counter.WaitForAsync(settings.Events, TimeSpan.FromSeconds(180), cancellationToken);
        drainWindow.End();
        if (counter.Count == 0)
        {
            throw new TimeoutException("Outbox relay alone: nothing was delivered");
        }
        var span = Stopwatch.GetElapsedTime(counter.FirstTimestamp, counter.LastTimestamp);
        Log.Write($"  consumed {counter.Distinct} in {span.TotalSeconds:F2} s (first to last delivery){(drained ? "" : " — TIMED OUT")}");
        figures.Set("outbox_relay_drain_events_per_s", (counter.Distinct - 1) / Math.Max(span.TotalSeconds, 1e-6), 0);
        figures.Set("outbox_relay_drain_lost", settings.Events - counter.Distinct);
        await relay.StopAsync(CancellationToken.None);
    }

    /// <summary>The headline: writers committing while the relay runs, counted on delivery; first commit to last delivery.</summary>
    public async Task MeasureConcurrentAsync(Figures figures, CancellationToken cancellationToken)
    {
        var database = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, "bench_outbox", cancellationToken);
        var vhost = await Vhosts.CreateAsync(broker, "outbox", cancellationToken);
        var counter = new DeliveryCounter();
        await using var app = await StartHostAsync(database, vhost, relay: true, counter, inbox: false, cancellationToken);
        var options = app.Services.GetRequiredService<IOptions<MessagingOptions>>().Value;
        figures.Set("outbox_relay_batch_size", options.Outbox.BatchSize);
        figures.Set("prefetch_count", options.PrefetchCount);
        figures.Set("outbox_writers", settings.Writers);
        figures.Set("outbox_events_per_transaction", settings.PerTransaction);

        // Warm-up (JIT and tiering of this host's paths), not timed.
        var warmUp = Math.Min(10_000, settings.Events);
        Log.Write($"Outbox, writers and relay together: warming up with {warmUp} events");
        await WriteAsync(app, cancellationToken, warmUp);
        if (!await counter.WaitForAsync(warmUp, TimeSpan.FromSeconds(120), cancellationToken))
        {
            throw new TimeoutException($"Outbox: the warm-up events were not all delivered ({counter.Distinct} of {warmUp})");
        }
        counter.Reset();
        await Machine.WaitJitSettledAsync(TimeSpan.FromSeconds(30), cancellationToken);

        Log.Write($"Outbox, writers and relay together: {settings.Events} events to a counting consumer");
        await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var meter = cpu();
        var window = Machine.Begin("outbox, writers and relay together");
        var start = Stopwatch.GetTimestamp();
        await WriteAsync(app, cancellationToken);
        var committed = Stopwatch.GetElapsedTime(start);
        var complete = await counter.WaitForAsync(settings.Events, TimeSpan.FromSeconds(180), cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(start, Math.Max(counter.LastTimestamp, start + 1));
        var cpuSeconds = meter.Stop();
        window.End();
        var left = await CountAsync(database, "SELECT count(*) FROM outbox_messages", cancellationToken);
        Log.Write($"  committed in {committed.TotalSeconds:F2} s, consumed {counter.Distinct} ({counter.Count} deliveries) in {elapsed.TotalSeconds:F2} s{(complete ? "" : " — TIMED OUT")}; {left} rows left in the outbox");
        Log.Write($"  CPU during the measurement: {string.Join(", ", cpuSeconds.Select(c => $"{c.Name} {c.Seconds:F1} s"))} (of {Machine.Cores * elapsed.TotalSeconds:F1} core-seconds)");

        figures.Set("outbox_events", settings.Events);
        figures.Set("outbox_events_per_s", counter.Distinct / elapsed.TotalSeconds, 0);
        figures.Set("outbox_commit_events_per_s", settings.Events / committed.TotalSeconds, 0);
        figures.Set("outbox_lost", settings.Events - counter.Distinct);
        figures.Set("outbox_duplicates", counter.Count - counter.Distinct);
        foreach (var (name, seconds) in cpuSeconds)
        {
            figures.Set($"outbox_cpu_{name}_ms_per_event", 1000 * seconds / settings.Events, 3);
        }
        figures.Set("outbox_elapsed_s", elapsed.TotalSeconds, 2);
        await app.StopAsync(CancellationToken.None);
    }

    /// <summary>The same path to the probe's inbox consumer: one transaction per message (inbox row + effect row).</summary>
    public async Task MeasureInboxAsync(Figures figures, CancellationToken cancellationToken)
    {
        var database = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, "bench_inbox", cancellationToken);
        var vhost = await Vhosts.CreateAsync(broker, "inbox", cancellationToken);
        await using var app = await StartHostAsync(database, vhost, relay: true, counter: null, inbox: true, cancellationToken);
        var events = settings.InboxEvents;

        // Warm-up (JIT and tiering of the inbox path), not timed.
        const int warmUp = 2_000;
        Log.Write($"Outbox through the inbox consumer: warming up with {warmUp} events");
        await WriteAsync(app, cancellationToken, warmUp);
        if (!await Poll.UntilAsync(async () => await CountAsync(database, "SELECT count(*) FROM effects", cancellationToken) >= warmUp, TimeSpan.FromSeconds(120), cancellationToken))
        {
            throw new TimeoutException("Outbox through the inbox: the warm-up events were not all handled");
        }
        await Machine.WaitJitSettledAsync(TimeSpan.FromSeconds(20), cancellationToken);

        Log.Write($"Outbox through the inbox consumer: {events} events, writers and relay together");
        await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var meter = cpu();
        var window = Machine.Begin("outbox through the inbox");
        var start = Stopwatch.GetTimestamp();
        await WriteAsync(app, cancellationToken, events);
        var committed = Stopwatch.GetElapsedTime(start);
        long effects = 0;
        var complete = await Poll.UntilAsync(async () =>
        {
            effects = await CountAsync(database, "SELECT count(*) FROM effects", cancellationToken) - warmUp;
            return effects >= events;
        }, TimeSpan.FromSeconds(180), cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpuSeconds = meter.Stop();
        window.End();
        var distinct = await CountAsync(database, "SELECT count(DISTINCT message_id) FROM effects", cancellationToken) - warmUp;
        Log.Write($"  committed in {committed.TotalSeconds:F2} s, {effects} effects ({distinct} distinct) in {elapsed.TotalSeconds:F2} s{(complete ? "" : " — TIMED OUT")}");
        Log.Write($"  CPU during the measurement: {string.Join(", ", cpuSeconds.Select(c => $"{c.Name} {c.Seconds:F1} s"))} (of {Machine.Cores * elapsed.TotalSeconds:F1} core-seconds)");

        figures.Set("outbox_inbox_events", events);
        figures.Set("outbox_inbox_events_per_s", distinct / elapsed.TotalSeconds, 0);
        figures.Set("outbox_inbox_lost", events - distinct);
        figures.Set("outbox_inbox_duplicates", effects - distinct);
        foreach (var (name, seconds) in cpuSeconds)
        {
            figures.Set($"outbox_inbox_cpu_{name}_ms_per_event", 1000 * seconds / events, 3);
        }
        await app.StopAsync(CancellationToken.None);
    }

    /// <summary>Writers commit <c>events</c> outbox rows, each transaction holding PerTransaction of them, as a service's handler would.</summary>
    private async Task WriteAsync(WebApplication app, CancellationToken cancellationToken, int? total = null)
    {
        var events = total ?? settings.Events;
        var perWriter = events / settings.Writers;
        await Task.WhenAll(Enumerable.Range(0, settings.Writers).Select(writer => Task.Run(async () =>
        {
            var count = perWriter + (writer == 0 ? events % settings.Writers : 0);
            for (var written = 0; written < count;)
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
                var now = DateTimeOffset.UtcNow;
                for (var i = 0; i < settings.PerTransaction && written < count; i++, written++)
                {
                    db.Outbox.Publish(new CountyRegistered(Guid.NewGuid(), "511621", "岳池县", "Asia/Shanghai", now));
                }
                await db.SaveChangesAsync(cancellationToken);
            }
        }, cancellationToken)));
    }

    /// <summary>A host wired as every service is; the bus, relay and consumers run once it has started.</summary>
    private async Task<WebApplication> StartHostAsync(ServiceDatabase database, string amqpUri, bool relay, DeliveryCounter? counter, bool inbox,
        CancellationToken cancellationToken)
    {
        List<string> args =
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:{ProbeHost.ConnectionName}={AppConnectionString(database)}",
            $"--ConnectionStrings:{ProbeHost.ConnectionName}-owner={database.OwnerConnectionString}",
            $"--ConnectionStrings:messaging={amqpUri}",
            $"--Messaging:Outbox:RelayEnabled={relay}",
            "--Logging:LogLevel:Default=Warning",
        ];
        if (settings.BatchSize is { } batchSize)
        {
            args.Add($"--Messaging:Outbox:BatchSize={batchSize}");
        }
        if (settings.PrefetchCount is { } prefetch)
        {
            args.Add($"--Messaging:PrefetchCount={prefetch}");
        }
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. args],
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddServiceDefaults(ServiceName);
        builder.AddServiceDatabase<ProbeDbContext>(ProbeHost.ConnectionName);
        builder.AddServiceMessaging<ProbeDbContext>(ServiceName, bus =>
        {
            if (counter is not null)
            {
                bus.AddConsumer<CountingConsumer>();
            }
            if (inbox)
            {
                bus.AddConsumer<EffectConsumer>();
            }
        });
        if (counter is not null)
        {
            builder.Services.AddSingleton(counter);
        }
        var app = builder.Build();
        try
        {
            app.MapDefaultEndpoints();
            await app.MigrateDatabaseAsync(cancellationToken);
            using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            startTimeout.CancelAfter(TimeSpan.FromSeconds(90));
            await app.StartAsync(startTimeout.Token);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The application role's connection string, with BENCH_NPGSQL_OPTIONS (e.g. "Max Auto Prepare=20") added, to try Npgsql settings.</summary>
    private static string AppConnectionString(ServiceDatabase database) =>
        Environment.GetEnvironmentVariable("BENCH_NPGSQL_OPTIONS") is { Length: > 0 } extra
            ? new NpgsqlConnectionStringBuilder(database.AppConnectionString + ";" + extra).ConnectionString
            : database.AppConnectionString;

    private async Task<long> CountAsync(ServiceDatabase database, string sql, CancellationToken cancellationToken)
    {
        // As the superuser: row-level security does not hide other counties' rows from it.
        var builder = new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = database.Name };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
