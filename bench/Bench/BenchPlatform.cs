using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Platform.LocalInfrastructure;
using Platform.ServiceDefaults.Auth;

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

    /// <summary>RabbitMQ's process (for CPU sampling).</summary>
    public int BrokerProcessId => _broker!.ProcessId;

    /// <summary>A client of the gateway with the bootstrap operator's credential.</summary>
    public HttpClient GatewayClient(HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient(handler ?? new SocketsHttpHandler()) { BaseAddress = new Uri(Gateway), Timeout = timeout ?? TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchAuth.OperatorKey);
        return client;
    }

    /// <summary>A client of one service directly, with the token the gateway would forward (every scope and role).</summary>
    public HttpClient ServiceClient(string service, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(Urls[service]), Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchAuth.ServiceToken());
        return client;
    }

    public static async Task<BenchPlatform> StartAsync(RunFolder run, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? serviceEnvironment = null,
        IReadOnlyDictionary<string, string>? gatewayEnvironment = null)
    {
        var platform = new BenchPlatform(run);
        try
        {
            await platform.StartCoreAsync(serviceEnvironment, gatewayEnvironment, cancellationToken);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(IReadOnlyDictionary<string, string>? serviceEnvironment, IReadOnlyDictionary<string, string>? gatewayEnvironment,
        CancellationToken cancellationToken)
    {
        Log.Write($"starting PostgreSQL (durable) and RabbitMQ in {Run.Path}");
        _postgres = await PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(Run.Path, "postgres"), FreePort.Next()) { Throwaway = false, Settings = [.. PgStatements.ServerSettings, .. ExperimentalPostgresSettings()] },
            line => Log.Write("postgres: " + line), cancellationToken);
        _broker = await RabbitMqNode.StartAsync(
            new RabbitMqNodeOptions(Path.Combine(RunFolder.BaseFolder, "rabbitmq-" + Path.GetFileName(Run.Path)),
                $"bench{Environment.ProcessId}@localhost", FreePort.Next(), FreePort.Next(), FreePort.Next()) { Throwaway = true },
            _ => { }, cancellationToken);
        Run.Record("rabbitmq", _broker.ProcessId);
        // Both daemonize: their CPU is the run's, not another job's (Machine's "other processes").
        Machine.AddRoot(_postgres.ProcessId);
        Machine.AddRoot(_broker.ProcessId);

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
                ["Auth__SigningKey"] = BenchAuth.SigningKey,
            };
            foreach (var (key, value) in serviceEnvironment ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }
            _processes.Add((Foundation.Start(Run, service, "src/Services." + CultureInfo.InvariantCulture.TextInfo.ToTitleCase(service), environment), Urls[service]));
        }
        Urls["gateway"] = $"http://127.0.0.1:{FreePort.Next()}";
        Databases["gateway"] = await DatabaseProvisioner.EnsureAsync(_postgres.AdminConnectionString, "gatewaydb", cancellationToken);
        var gateway = BenchAuth.GatewayEnvironment(Urls["gateway"], Databases["gateway"], _broker.AmqpUri, Urls);
        // The operations dashboard reads the broker's management API, as under the AppHost.
        gateway["services__messaging__management__0"] = _broker.ManagementUri.ToString();
        foreach (var (key, value) in (serviceEnvironment ?? new Dictionary<string, string>()).Concat(gatewayEnvironment ?? new Dictionary<string, string>()))
        {
            gateway[key] = value;
        }
        _processes.Add((Foundation.Start(Run, "gateway", "src/Gateway", gateway), Urls["gateway"]));
        await Foundation.WaitHealthyAsync(_processes, cancellationToken);
    }

    /// <summary>Experiments: BENCH_PG_SETTINGS="name=value;name=value" is added to PostgreSQL's settings.</summary>
    private static IEnumerable<string> ExperimentalPostgresSettings() =>
        (Environment.GetEnvironmentVariable("BENCH_PG_SETTINGS") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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

    /// <summary>Polls RabbitMQ's management API until no queue holds a message (ready or unacknowledged) twice in a row: every consumer has caught up.</summary>
    public async Task WaitForQuietBrokerAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var client = Vhosts.ManagementClient(_broker!);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var quiet = 0;
        while (quiet < 2)
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"RabbitMQ's queues did not empty within {limit}.");
            }
            await Task.Delay(500, cancellationToken);
            var queues = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(client, "api/queues?columns=name,messages", cancellationToken);
            var messages = queues.EnumerateArray().Sum(q => q.TryGetProperty("messages", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Number ? m.GetInt64() : 0);
            quiet = messages == 0 ? quiet + 1 : 0;
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

/// <summary>
/// The secrets of a benchmark run, as the AppHost makes them for an installation: the token signing
/// key of every process and the bootstrap operator key; tokens for calling a service directly.
/// </summary>
public static class BenchAuth
{
    public static readonly string SigningKey = PlatformTokens.NewSigningKey();

    public static readonly string OperatorKey = "gwk_benchop0_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A token as the gateway forwards it (every scope and role, operator), valid for an hour: for direct calls.</summary>
    public static string ServiceToken() =>
        new PlatformTokenIssuer(new SymmetricSecurityKey(Convert.FromBase64String(SigningKey)), TimeProvider.System, TimeSpan.FromHours(1))
            .Issue(new PlatformCaller(Guid.Empty, "bench", null, null, PlatformScopes.All, PlatformRoles.All)).Token;

    /// <summary>The gateway's environment: its database, the broker, the services, the signing key and the bootstrap operator.</summary>
    public static Dictionary<string, string> GatewayEnvironment(string url, ServiceDatabase database, string amqpUri, IReadOnlyDictionary<string, string> services) => new()
    {
        ["ASPNETCORE_URLS"] = url,
        ["OTEL_SERVICE_NAME"] = "gateway",
        ["ConnectionStrings__gatewaydb"] = database.AppConnectionString,
        ["ConnectionStrings__gatewaydb-owner"] = database.OwnerConnectionString,
        ["ConnectionStrings__messaging"] = amqpUri,
        ["Auth__SigningKey"] = SigningKey,
        ["Gateway__BootstrapOperatorKey"] = OperatorKey,
        // The benchmarks measure the platform, not its default per-client limits.
        ["Gateway__RateLimits__Client__PermitsPerSecond"] = "1000000",
        ["Gateway__RateLimits__Client__Burst"] = "1000000",
        ["services__registry__http__0"] = services["registry"],
        ["services__dispatch__http__0"] = services["dispatch"],
        ["services__evaluation__http__0"] = services["evaluation"],
    };
}

