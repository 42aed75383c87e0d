using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Platform.DemoCounty;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>
/// `bench/run registry-import`: the demo county's 8,636 members imported through the gateway into a
/// running platform (Registry, Dispatch and Evaluation consuming its events, Release build), after
/// its tree and organisations; then the same file again (a no-op), and the time for the outbox to
/// deliver every member event. Target: the members import in under 15 s.
/// </summary>
public static class RegistryImport
{
    private const string CountyCode = "511621";

    public static async Task RunAsync(Figures figures, CancellationToken cancellationToken)
    {
        using var run = await RunFolder.CreateAsync(cancellationToken);
        Log.Write($"starting PostgreSQL (durable) and RabbitMQ in {run.Path}");
        await using var postgres = await PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(run.Path, "postgres"), FreePort.Next()) { Throwaway = false },
            line => Log.Write("postgres: " + line), cancellationToken);
        await using var broker = await RabbitMqNode.StartAsync(
            new RabbitMqNodeOptions(Path.Combine(RunFolder.BaseFolder, "rabbitmq-" + Path.GetFileName(run.Path)),
                $"bench{Environment.ProcessId}@localhost", FreePort.Next(), FreePort.Next(), FreePort.Next()) { Throwaway = true },
            _ => { }, cancellationToken);
        run.Record("rabbitmq", broker.ProcessId);

        var processes = new List<(ServiceProcess Process, string Url)>();
        var databases = new Dictionary<string, ServiceDatabase>();
        try
        {
            Log.Write("starting Registry, Dispatch, Evaluation and the gateway (Release build output)");
            var urls = new Dictionary<string, string>();
            foreach (var service in new[] { "registry", "dispatch", "evaluation" })
            {
                databases[service] = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, service + "db", cancellationToken);
                urls[service] = $"http://127.0.0.1:{FreePort.Next()}";
                processes.Add((Foundation.Start(run, service, "src/Services." + CultureInfo.InvariantCulture.TextInfo.ToTitleCase(service), new Dictionary<string, string>
                {
                    ["ASPNETCORE_URLS"] = urls[service],
                    [$"ConnectionStrings__{service}db"] = databases[service].AppConnectionString,
                    [$"ConnectionStrings__{service}db-owner"] = databases[service].OwnerConnectionString,
                    ["ConnectionStrings__messaging"] = broker.AmqpUri,
                    ["OTEL_SERVICE_NAME"] = service,
                }), urls[service]));
            }
            var gateway = $"http://127.0.0.1:{FreePort.Next()}";
            processes.Add((Foundation.Start(run, "gateway", "src/Gateway", new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = gateway,
                ["OTEL_SERVICE_NAME"] = "gateway",
                ["services__registry__http__0"] = urls["registry"],
                ["services__dispatch__http__0"] = urls["dispatch"],
                ["services__evaluation__http__0"] = urls["evaluation"],
            }), gateway));
            await Foundation.WaitHealthyAsync(processes, cancellationToken);

            var files = DemoCountyGenerator.Generate();
            using var client = new HttpClient { BaseAddress = new Uri(gateway), Timeout = TimeSpan.FromMinutes(5) };
            var loader = new DemoCountyLoader(client, line => Log.Write(line));
            await loader.EnsureCountyAsync(CountyCode, "岳池县", cancellationToken);
            await loader.ImportAsync(CountyCode, "areas", files.Areas, cancellationToken);
            await loader.ImportAsync(CountyCode, "organisations", files.Organisations, cancellationToken);

            Log.Write($"importing {DemoCountyGenerator.Members} members through the gateway");
            var watch = Stopwatch.StartNew();
            var result = await loader.ImportAsync(CountyCode, "members", files.Members, cancellationToken);
            var seconds = watch.Elapsed.TotalSeconds;
            var created = result.GetProperty("created").GetInt32();
            Log.Write($"members: {created} created in {seconds:F2} s");

            watch.Restart();
            var again = await loader.ImportAsync(CountyCode, "members", files.Members, cancellationToken);
            var reimportSeconds = watch.Elapsed.TotalSeconds;

            Log.Write("waiting for the outbox to deliver every event");
            watch.Restart();
            await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = databases["registry"].Name }.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                while (true)
                {
                    await using var command = new NpgsqlCommand("SELECT count(*) FROM outbox_messages", connection);
                    if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
                    {
                        break;
                    }
                    if (watch.Elapsed > TimeSpan.FromMinutes(3))
                    {
                        throw new TimeoutException("The outbox did not drain within 3 minutes.");
                    }
                    await Task.Delay(100, cancellationToken);
                }
            }
            var drainSeconds = watch.Elapsed.TotalSeconds;

            figures.Set("rows", created);
            figures.Set("seconds", seconds, 2);
            figures.Set("rows_per_s", created / seconds, 0);
            figures.Set("target_seconds", 15);
            figures.Set("reimport_seconds", reimportSeconds, 2);
            figures.Set("reimport_unchanged", again.GetProperty("unchanged").GetInt32());
            figures.Set("outbox_events", created);
            figures.Set("outbox_drain_after_import_s", drainSeconds, 2);
        }
        finally
        {
            await Task.WhenAll(processes.Select(p => p.Process.DisposeAsync().AsTask()));
        }
    }

}
