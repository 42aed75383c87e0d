using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Bench;
using Platform.Contracts.Registry;
using Platform.LocalInfrastructure;
using Platform.Probe;
using Platform.ServiceDefaults.Persistence;

if (args is not ["foundation"])
{
    Console.Error.WriteLine("usage: Bench foundation");
    return 2;
}

var folder = Path.Combine(Path.GetTempPath(), "platform-bench", Guid.NewGuid().ToString("n")[..8]);
var figures = new Dictionary<string, object>();
// Durable PostgreSQL (fsync and synchronous_commit on), as the baselines were measured.
await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions(Path.Combine(folder, "postgres"), FreePort.Next()));
await using var broker = await RabbitMqNode.StartAsync(new RabbitMqNodeOptions(
    Path.Combine(folder, "rabbitmq"), $"bench{Guid.NewGuid():n}"[..16] + "@localhost", FreePort.Next(), FreePort.Next(), FreePort.Next()) { Throwaway = true });
figures["postgres_synchronous_commit"] = "on";
var processes = new List<ServiceProcess>();
try
{
    // HTTP: a GET of one county, direct to Registry and through the gateway.
    var urls = new Dictionary<string, string>();
    var databases = new Dictionary<string, ServiceDatabase>();
    foreach (var service in new[] { "registry", "dispatch", "evaluation" })
    {
        databases[service] = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, service + "db");
        urls[service] = $"http://127.0.0.1:{FreePort.Next()}";
        processes.Add(ServiceProcess.Start(service, "src/Services." + char.ToUpperInvariant(service[0]) + service[1..], "Release", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = urls[service],
            [$"ConnectionStrings__{service}db"] = databases[service].AppConnectionString,
            [$"ConnectionStrings__{service}db-owner"] = databases[service].OwnerConnectionString,
            ["ConnectionStrings__messaging"] = broker.AmqpUri,
            ["Logging__LogLevel__Default"] = "Warning",
        }));
    }
    urls["gateway"] = $"http://127.0.0.1:{FreePort.Next()}";
    processes.Add(ServiceProcess.Start("gateway", "src/Gateway", "Release", new Dictionary<string, string>
    {
        ["ASPNETCORE_URLS"] = urls["gateway"],
        ["services__registry__http__0"] = urls["registry"],
        ["services__dispatch__http__0"] = urls["dispatch"],
        ["services__evaluation__http__0"] = urls["evaluation"],
        ["Logging__LogLevel__Default"] = "Warning",
    }));
    await Task.WhenAll(processes.Select(p => p.WaitHealthyAsync(urls[p.Name], TimeSpan.FromSeconds(90))));
    using (var client = new HttpClient())
    {
        (await client.PostAsJsonAsync($"{urls["registry"]}/api/registry/counties", new { code = "511621", name = "岳池县" })).EnsureSuccessStatusCode();
    }
    var path = "/api/registry/counties/511621";
    Console.Error.WriteLine("HTTP: warming up");
    await Wrk.RunAsync(urls["registry"] + path, 3);
    await Wrk.RunAsync(urls["gateway"] + path, 3);
    Console.Error.WriteLine("HTTP: direct");
    var direct = await Wrk.RunAsync(urls["registry"] + path, 10);
    Console.Error.WriteLine("HTTP: gateway");
    var gateway = await Wrk.RunAsync(urls["gateway"] + path, 10);
    figures["direct_rps"] = Math.Round(direct.Rps);
    figures["direct_p50_ms"] = direct.P50Ms;
    figures["direct_p99_ms"] = direct.P99Ms;
    figures["gateway_rps"] = Math.Round(gateway.Rps);
    figures["gateway_p50_ms"] = gateway.P50Ms;
    figures["gateway_p99_ms"] = gateway.P99Ms;
    figures["gateway_direct_ratio"] = Math.Round(gateway.Rps / direct.Rps, 3);
    foreach (var process in processes)
    {
        await process.DisposeAsync();
    }
    processes.Clear();

    // Outbox: events committed by concurrent writers, relayed, consumed; commit of the first to consumption of the last.
    const int events = 30_000;
    var counted = await MeasureOutboxAsync(postgres, broker, events, inbox: false);
    figures["outbox_events_per_s"] = Math.Round(counted.PerSecond);
    figures["outbox_lost"] = counted.Lost;
    var inboxed = await MeasureOutboxAsync(postgres, broker, 10_000, inbox: true);
    figures["outbox_inbox_events_per_s"] = Math.Round(inboxed.PerSecond);
    figures["outbox_inbox_lost"] = inboxed.Lost;

    figures["baseline_minimal_api_rps"] = 70_000;
    figures["baseline_gateway_direct_ratio"] = 0.35;
    figures["baseline_masstransit_publish_consume_per_s"] = "6600-9800";
    figures["baseline_pg_insert_tps_sync_commit"] = 5_000;
    figures["outbox_target_events_per_s"] = 3_000;
}
finally
{
    foreach (var process in processes)
    {
        await process.DisposeAsync();
    }
}
await postgres.DisposeAsync();
try
{
    Directory.Delete(folder, recursive: true);
}
catch (IOException)
{
}
Console.WriteLine(JsonSerializer.Serialize(figures));
return 0;

static async Task<(double PerSecond, long Lost)> MeasureOutboxAsync(PostgresServer postgres, RabbitMqNode broker, int events, bool inbox)
{
    var database = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, inbox ? "bench_inbox" : "bench_outbox");
    await using var app = ProbeHost.Build(
    [
        "--urls=http://127.0.0.1:0",
        $"--ConnectionStrings:{ProbeHost.ConnectionName}={database.AppConnectionString}",
        $"--ConnectionStrings:{ProbeHost.ConnectionName}-owner={database.OwnerConnectionString}",
        $"--ConnectionStrings:messaging={broker.AmqpUri}",
        "--Logging:LogLevel:Default=Warning",
    ], withConsumer: inbox, consumers: inbox ? null : bus => bus.AddConsumer<CountingConsumer>());
    await app.MigrateDatabaseAsync();
    await app.StartAsync();
    var before = CountingConsumer.Count;
    Console.Error.WriteLine($"Outbox{(inbox ? " through the inbox" : "")}: {events} events");

    var watch = Stopwatch.StartNew();
    const int writers = 4;
    const int perTransaction = 100;
    await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
    {
        for (var written = 0; written < events / writers; written += perTransaction)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            for (var i = 0; i < perTransaction; i++)
            {
                db.Outbox.Publish(new CountyRegistered(Guid.NewGuid(), "511621", "岳池县", "Asia/Shanghai", DateTimeOffset.UtcNow));
            }
            await db.SaveChangesAsync();
        }
    })));
    var committed = watch.Elapsed;

    long consumed = 0;
    var deadline = TimeSpan.FromSeconds(120);
    while (watch.Elapsed < deadline)
    {
        consumed = inbox ? await CountEffectsAsync(postgres, database.Name) : CountingConsumer.Count - before;
        if (consumed >= events)
        {
            break;
        }
        await Task.Delay(20);
    }
    var elapsed = watch.Elapsed;
    Console.Error.WriteLine($"  committed in {committed.TotalSeconds:F2} s, consumed {consumed} in {elapsed.TotalSeconds:F2} s");
    await app.StopAsync();
    return (consumed / elapsed.TotalSeconds, events - consumed);
}

static async Task<long> CountEffectsAsync(PostgresServer postgres, string database)
{
    var builder = new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = database };
    await using var connection = new NpgsqlConnection(builder.ConnectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT count(*) FROM effects", connection);
    return (long)(await command.ExecuteScalarAsync())!;
}
