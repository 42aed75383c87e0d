using System.Globalization;
using Npgsql;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>
/// The whole platform for a benchmark: durable PostgreSQL, RabbitMQ, Registry, Dispatch, Evaluation
/// and the gateway from the Release build, wired by the Aspire environment contract. Disposing
/// stops every process it started.
/// </summary>
public sealed class BenchPlatform : IAsyncDisposable
{
    private readonly List<(ServiceProcess Process, string Url)> _processes = [];
    private PostgresServer? _postgres;
    private RabbitMqNode? _broker;

    private BenchPlatform(RunFolder run) => Run = run;

    public RunFolder Run { get; }

    public PostgresServer Postgres => _postgres!;

    public Dictionary<string, ServiceDatabase> Databases { get; } = [];

    public Dictionary<string, string> Urls { get; } = [];

    public string Gateway => Urls["gateway"];

    /// <summary>The broker, for a benchmark that publishes events itself.</summary>
    public string AmqpUri => _broker!.AmqpUri;

    public static async Task<BenchPlatform> StartAsync(RunFolder run, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? serviceEnvironment = null)
    {
        var platform = new BenchPlatform(run);
        try
        {
            await platform.StartCoreAsync(serviceEnvironment, cancellationToken);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(IReadOnlyDictionary<string, string>? serviceEnvironment, CancellationToken cancellationToken)
    {
        Log.Write($"starting PostgreSQL (durable) and RabbitMQ in {Run.Path}");
        _postgres = await PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(Run.Path, "postgres"), FreePort.Next()) { Throwaway = false },
            line => Log.Write("postgres: " + line), cancellationToken);
        _broker = await RabbitMqNode.StartAsync(
            new RabbitMqNodeOptions(Path.Combine(RunFolder.BaseFolder, "rabbitmq-" + Path.GetFileName(Run.Path)),
                $"bench{Environment.ProcessId}@localhost", FreePort.Next(), FreePort.Next(), FreePort.Next()) { Throwaway = true },
            _ => { }, cancellationToken);
        Run.Record("rabbitmq", _broker.ProcessId);

        Log.Write("starting Registry, Dispatch, Evaluation and the gateway (Release build output)");
        foreach (var service in new[] { "registry", "dispatch", "evaluation" })
        {
            Databases[service] = await DatabaseProvisioner.EnsureAsync(_postgres.AdminConnectionString, service + "db", cancellationToken);
            Urls[service] = $"http://127.0.0.1:{FreePort.Next()}";
            var environment = new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = Urls[service],
                [$"ConnectionStrings__{service}db"] = Databases[service].AppConnectionString,
                [$"ConnectionStrings__{service}db-owner"] = Databases[service].OwnerConnectionString,
                ["ConnectionStrings__messaging"] = _broker.AmqpUri,
                ["OTEL_SERVICE_NAME"] = service,
            };
            foreach (var (key, value) in serviceEnvironment ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }
            _processes.Add((Foundation.Start(Run, service, "src/Services." + CultureInfo.InvariantCulture.TextInfo.ToTitleCase(service), environment), Urls[service]));
        }
        Urls["gateway"] = $"http://127.0.0.1:{FreePort.Next()}";
        _processes.Add((Foundation.Start(Run, "gateway", "src/Gateway", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Urls["gateway"],
            ["OTEL_SERVICE_NAME"] = "gateway",
            ["services__registry__http__0"] = Urls["registry"],
            ["services__dispatch__http__0"] = Urls["dispatch"],
            ["services__evaluation__http__0"] = Urls["evaluation"],
        }), Urls["gateway"]));
        await Foundation.WaitHealthyAsync(_processes, cancellationToken);
    }

    /// <summary>The process id of a service (for CPU sampling).</summary>
    public int ProcessId(string service) => _processes.First(p => p.Url == Urls[service]).Process.Id;

    public NpgsqlConnection Connect(string service) =>
        new(new NpgsqlConnectionStringBuilder(Postgres.AdminConnectionString) { Database = Databases[service].Name }.ConnectionString);

    public async Task<T> ScalarAsync<T>(string service, string sql, CancellationToken cancellationToken)
    {
        await using var connection = Connect(service);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Polls until the query answers what <paramref name="done"/> wants, or fails after the limit.</summary>
    public async Task WaitForAsync<T>(string service, string sql, Func<T, bool> done, TimeSpan limit, string what, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!done(await ScalarAsync<T>(service, sql, cancellationToken)))
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"{what} did not happen within {limit}.");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_processes.Select(p => p.Process.DisposeAsync().AsTask()));
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
