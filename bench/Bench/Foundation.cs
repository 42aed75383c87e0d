using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>
/// `bench/run foundation`: HTTP direct vs through the gateway (with the bare minimal-API ceiling),
/// the broker and database ceilings, and the outbox's throughput, all in one run against real
/// processes: a durable PostgreSQL, a RabbitMQ node, the services and the gateway from their Release
/// build output. Parts can be skipped with BENCH_PARTS (see bench/README.md).
/// </summary>
public static class Foundation
{
    private const string CountyCode = "511621";

    public static async Task RunAsync(Figures figures, CancellationToken cancellationToken)
    {
        var parts = (Environment.GetEnvironmentVariable("BENCH_PARTS") ?? "http,ceilings,outbox,inbox")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var httpSeconds = Setting("BENCH_HTTP_SECONDS", 10);
        var warmUpSeconds = Setting("BENCH_HTTP_WARMUP_SECONDS", 10);
        var outbox = new OutboxSettings(
            Events: Setting("BENCH_OUTBOX_EVENTS", 30_000),
            Writers: Setting("BENCH_OUTBOX_WRITERS", 4),
            PerTransaction: Setting("BENCH_OUTBOX_PER_TRANSACTION", 100),
            InboxEvents: Setting("BENCH_INBOX_EVENTS", 10_000),
            BatchSize: OptionalSetting("BENCH_OUTBOX_BATCH_SIZE"),
            PrefetchCount: OptionalSetting("BENCH_PREFETCH"));

        using var run = await RunFolder.CreateAsync(cancellationToken);
        Log.Write($"starting PostgreSQL (durable: fsync and synchronous_commit on) and RabbitMQ in {run.Path}");
        var postgresStart = PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(run.Path, "postgres"), FreePort.Next()) { Throwaway = false },
            line => Log.Write("postgres: " + line), cancellationToken);
        var brokerStart = RabbitMqNode.StartAsync(
            new RabbitMqNodeOptions(Path.Combine(RunFolder.BaseFolder, "rabbitmq-" + Path.GetFileName(run.Path)),
                $"bench{Environment.ProcessId}@localhost", FreePort.Next(), FreePort.Next(), FreePort.Next()) { Throwaway = true },
            line =>
            {
                // Its start-up banner and info lines are noise here; the library's own lines and errors are not.
                if (line.StartsWith("RabbitMQ ", StringComparison.Ordinal) || line.Contains("[error]", StringComparison.Ordinal) || line.Contains("[critical]", StringComparison.Ordinal))
                {
                    Log.Write("rabbitmq: " + line);
                }
            }, cancellationToken);
        try
        {
            await Task.WhenAll(postgresStart, brokerStart);
            var postgres = postgresStart.Result;
            var broker = brokerStart.Result;
            run.Record("rabbitmq", broker.ProcessId);
            Machine.AddRoot(postgres.ProcessId);
            Machine.AddRoot(broker.ProcessId);

            var durability = await ShowAsync(postgres, ["synchronous_commit", "fsync"], cancellationToken);
            figures.Set("postgres_synchronous_commit", durability[0]);
            figures.Set("postgres_fsync", durability[1]);

            if (parts.Contains("http"))
            {
                await MeasureHttpAsync(figures, postgres, broker, run, httpSeconds, warmUpSeconds, cancellationToken);
            }
            if (parts.Contains("ceilings"))
            {
                Log.Write("Ceiling: MassTransit publish (256 awaiting confirms) and consume (prefetch 64), no database: 30000 messages");
                var ceiling = await MessagingCeiling.MeasureAsync(await Vhosts.CreateAsync(broker, "ceiling", cancellationToken), 30_000, 256, 64, cancellationToken);
                figures.Set("ceiling_masstransit_publish_consume_per_s", ceiling.PublishConsumePerSecond, 0);
                figures.Set("ceiling_masstransit_confirms_per_s", ceiling.PublishPerSecond, 0);
                figures.Set("ceiling_masstransit_lost", ceiling.Lost);

                Log.Write("Ceiling: pgbench, 2 clients, one-row INSERT per transaction, 5 s");
                var tps = await PgBench.MeasureInsertTpsAsync(postgres, run.Path, 5, cancellationToken);
                figures.Set("ceiling_pg_insert_tps", tps, 0);
            }
            var bench = new OutboxBench(postgres, broker, outbox, () => new CpuMeter(
                new CpuSampler("bench", Environment.ProcessId, withChildren: false),
                new CpuSampler("postgres", postgres.ProcessId, withChildren: true),
                new CpuSampler("rabbitmq", broker.ProcessId, withChildren: false)));
            if (parts.Contains("outbox"))
            {
                // Each half alone first (which also warms the code up), then the headline.
                await bench.MeasureHalvesAsync(figures, cancellationToken);
                await bench.MeasureConcurrentAsync(figures, cancellationToken);
                figures.Set("outbox_target_events_per_s", 3_000);
            }
            if (parts.Contains("inbox"))
            {
                await bench.MeasureInboxAsync(figures, cancellationToken);
            }
            figures.Set("other_processes_cpu_pct", Machine.OtherPercent, 1);
            figures.Set("cpu_steal_pct", Machine.StealPercent, 1);
            SetBaselines(figures);
        }
        finally
        {
            Log.Write("stopping PostgreSQL and RabbitMQ");
            await Task.WhenAll(DisposeAsync(postgresStart), DisposeAsync(brokerStart));
        }
    }

    /// <summary>The figures of ../shared/notes/baselines.md (this kind of 2-core machine), for comparison.</summary>
    private static void SetBaselines(Figures figures)
    {
        figures.Set("baseline_minimal_api_rps", 70_000);
        figures.Set("baseline_minimal_api_p50_ms", 0.36, 2);
        figures.Set("baseline_minimal_api_p99_ms", 1.6, 2);
        figures.Set("baseline_gateway_rps", 24_500);
        figures.Set("baseline_gateway_ratio", 0.35, 2);
        figures.Set("baseline_gateway_p50_ms", 1.2, 2);
        figures.Set("baseline_gateway_p99_ms", 2.9, 2);
        figures.Set("baseline_masstransit_confirms_per_s", "6600-10000");
        figures.Set("baseline_masstransit_confirms_one_by_one_per_s", "1100-1200");
        figures.Set("baseline_masstransit_publish_consume_per_s", "6600-9800");
        figures.Set("baseline_rabbitmq_client_confirms_per_s", "14000-19000");
        figures.Set("baseline_pg_insert_tps", 5_000);
        figures.Set("baseline_pg_insert_tps_sync_commit_off", "25000-31000");
    }

    private static async Task MeasureHttpAsync(Figures figures, PostgresServer postgres, RabbitMqNode broker, RunFolder run, int seconds,
        int warmUpSeconds, CancellationToken cancellationToken)
    {
        var processes = new List<(ServiceProcess Process, string Url)>();
        try
        {
            Log.Write("HTTP: starting Registry, Dispatch, Evaluation, the gateway (Release build output), the bare minimal API and a bare YARP in front of it");
            var urls = new Dictionary<string, string>();
            foreach (var service in new[] { "registry", "dispatch", "evaluation" })
            {
                var database = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, service + "db", cancellationToken);
                urls[service] = $"http://127.0.0.1:{FreePort.Next()}";
                processes.Add((Start(run, service, "src/Services." + CultureInfo.InvariantCulture.TextInfo.ToTitleCase(service), new Dictionary<string, string>
                {
                    ["ASPNETCORE_URLS"] = urls[service],
                    [$"ConnectionStrings__{service}db"] = database.AppConnectionString,
                    [$"ConnectionStrings__{service}db-owner"] = database.OwnerConnectionString,
                    ["ConnectionStrings__messaging"] = broker.AmqpUri,
                    ["OTEL_SERVICE_NAME"] = service,
                    ["Auth__SigningKey"] = BenchAuth.SigningKey,
                }), urls[service]));
            }
            urls["minimal-api"] = $"http://127.0.0.1:{FreePort.Next()}";
            processes.Add((Start(run, "minimal-api", "bench/Bench", new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = urls["minimal-api"],
                [HttpCeilings.ServeVariable] = HttpCeilings.ServeValue,
            }), urls["minimal-api"]));
            await WaitHealthyAsync(processes, cancellationToken);

            // The proxies once what they forward to answers (the gateway's /health includes its services').
            urls["bare-yarp"] = $"http://127.0.0.1:{FreePort.Next()}";
            processes.Add((Start(run, "bare-yarp", "bench/Bench", new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = urls["bare-yarp"],
                [HttpCeilings.ServeVariable] = HttpCeilings.BareYarpValue,
                [HttpCeilings.DestinationVariable] = urls["minimal-api"],
            }), urls["bare-yarp"]));
            urls["gateway"] = $"http://127.0.0.1:{FreePort.Next()}";
            var gatewayDb = await DatabaseProvisioner.EnsureAsync(postgres.AdminConnectionString, "gatewaydb", cancellationToken);
            processes.Add((Start(run, "gateway", "src/Gateway", BenchAuth.GatewayEnvironment(urls["gateway"], gatewayDb, broker.AmqpUri, urls)), urls["gateway"]));
            await WaitHealthyAsync(processes, cancellationToken);
            Log.Write("HTTP: every process answers /health");

            var serviceToken = "Authorization: Bearer " + BenchAuth.ServiceToken();
            var operatorKey = "Authorization: Bearer " + BenchAuth.OperatorKey;
            using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            {
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", BenchAuth.ServiceToken());
                using var registered = await client.PostAsJsonAsync($"{urls["registry"]}/api/registry/counties", new { code = CountyCode, name = "岳池县" }, cancellationToken);
                if (registered.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"registering the county answered {(int)registered.StatusCode}: {await registered.Content.ReadAsStringAsync(cancellationToken)}");
                }
                client.DefaultRequestHeaders.Authorization = null;
                foreach (var (url, header) in new[] { (urls["registry"], serviceToken), (urls["gateway"], operatorKey) })
                {
                    using var get = new HttpRequestMessage(HttpMethod.Get, $"{url}/api/registry/counties/{CountyCode}");
                    get.Headers.TryAddWithoutValidation("Authorization", header["Authorization: ".Length..]);
                    using var found = await client.SendAsync(get, cancellationToken);
                    if (found.StatusCode != HttpStatusCode.OK)
                    {
                        throw new InvalidOperationException($"GET {url}/api/registry/counties/{CountyCode} answered {(int)found.StatusCode}");
                    }
                }
            }

            var targets = new (string Key, string Url, string[] Headers)[]
            {
                ("ceiling_minimal_api", urls["minimal-api"] + "/", []),
                ("ceiling_bare_yarp", urls["bare-yarp"] + "/", []),
                ("direct", $"{urls["registry"]}/api/registry/counties/{CountyCode}", [serviceToken]),
                ("gateway", $"{urls["gateway"]}/api/registry/counties/{CountyCode}", [operatorKey]),
            };
            foreach (var (key, url, headers) in targets)
            {
                Log.Write($"HTTP: warming up {url} ({warmUpSeconds} s)");
                await Wrk.RunAsync(url, warmUpSeconds, cancellationToken, headers);
            }
            var results = new Dictionary<string, Wrk.Result>();
            foreach (var (key, url, headers) in targets)
            {
                Log.Write($"HTTP: wrk -t2 -c32 -d{seconds}s --latency {url}");
                await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
                var window = Machine.Begin(key);
                var result = results[key] = await Wrk.RunAsync(url, seconds, cancellationToken, headers);
                window.End();
                Log.Write($"  {result.Rps:F0} req/s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms, {result.Errors} errors of {result.Requests}");
                figures.Set($"{key}_rps", result.Rps, 0);
                figures.Set($"{key}_p50_ms", result.P50Ms, 3);
                figures.Set($"{key}_p99_ms", result.P99Ms, 3);
            }
            figures.Set("gateway_direct_ratio", results["gateway"].Rps / results["direct"].Rps, 3);
            figures.Set("direct_ceiling_ratio", results["direct"].Rps / results["ceiling_minimal_api"].Rps, 3);
            figures.Set("ceiling_bare_yarp_ratio", results["ceiling_bare_yarp"].Rps / results["ceiling_minimal_api"].Rps, 3);
            figures.Set("http_errors", results.Values.Sum(r => r.Errors));
            if (results.Values.Sum(r => r.Errors) > 0)
            {
                Log.Write("HTTP: WARNING: some requests failed; the HTTP figures are not meaningful");
            }
        }
        finally
        {
            Log.Write("HTTP: stopping the processes");
            await Task.WhenAll(processes.Select(p => p.Process.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Polls every process's /health (deadline 90 s); the first that exits or misses it cancels the other waits.</summary>
    internal static async Task WaitHealthyAsync(List<(ServiceProcess Process, string Url)> processes, CancellationToken cancellationToken)
    {
        using var waits = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAll(processes.Select(async p =>
        {
            try
            {
                await p.Process.WaitHealthyAsync(p.Url, TimeSpan.FromSeconds(90), waits.Token);
            }
            catch
            {
                await waits.CancelAsync();
                throw;
            }
        }));
    }

    /// <summary>A project's Release build as a process, in Production, logging at Warning (per-request logging distorts the figures).</summary>
    internal static ServiceProcess Start(RunFolder run, string name, string project, Dictionary<string, string> environment)
    {
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        // Experiments: BENCH_SERVICE_ENV="NAME=value;NAME=value" is added to every process started here.
        foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_SERVICE_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = pair.IndexOf('=') is var at and > 0 ? (pair[..at], pair[(at + 1)..]) : (pair, "");
            environment[key] = value;
        }
        var process = ServiceProcess.Start(name, project, BuildConfiguration, environment, line =>
        {
            // Warnings and errors, without their stack frames (the proxies warn of requests wrk cuts off at its end).
            if (!line.TrimStart().StartsWith("at ", StringComparison.Ordinal) && !line.TrimStart().StartsWith("---", StringComparison.Ordinal))
            {
                Log.Write($"{name}: {line}");
            }
        });
        run.Record(name, process.Id);
        return process;
    }

    /// <summary>Ours (Release under bench/run): the processes we start come from the same build.</summary>
    private static string BuildConfiguration =>
        Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory))) ?? "Release";

    private static async Task<string[]> ShowAsync(PostgresServer postgres, string[] settings, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        var values = new string[settings.Length];
        for (var i = 0; i < settings.Length; i++)
        {
            await using var command = new NpgsqlCommand($"SHOW {settings[i]}", connection);
            values[i] = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        return values;
    }

    /// <summary>Stops what started; a start that failed cleaned up after itself (and its failure is reported by the caller).</summary>
    private static async Task DisposeAsync<T>(Task<T> start) where T : IAsyncDisposable
    {
        try
        {
            await start;
        }
        catch (Exception)
        {
            return;
        }
        try
        {
            await start.Result.DisposeAsync();
        }
        catch (Exception exception)
        {
            Log.Write($"stopping {typeof(T).Name} failed: {exception.Message}");
        }
    }

    private static int Setting(string name, int fallback) => OptionalSetting(name) ?? fallback;

    private static int? OptionalSetting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
}
