using Platform.IntegrationTests.Gateway;
using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests.Support;

/// <summary>
/// The four processes of the platform, wired by the Aspire environment contract as the AppHost does,
/// sharing the run's token signing key; the gateway knows the bootstrap operator key.
/// </summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    private RunningPlatform(PlatformFixture fixture) => Fixture = fixture;

    public PlatformFixture Fixture { get; }

    public Dictionary<string, ServiceDatabase> Databases { get; } = [];

    public Dictionary<string, string> Urls { get; } = [];

    public string GatewayUrl => Urls["gateway"];

    /// <summary>A client of the gateway with the bootstrap operator's credential: every scope, every role, every county.</summary>
    public HttpClient Gateway(HttpMessageHandler? handler = null) => GatewayAs(TestCredentials.OperatorKey, handler);

    /// <summary>A client of the gateway with the given API key (none: anonymous), through <paramref name="handler"/> when given.</summary>
    public HttpClient GatewayAs(string? key, HttpMessageHandler? handler = null)
    {
        var client = new HttpClient(handler ?? new HttpClientHandler()) { BaseAddress = new Uri(GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = TestCredentials.Bearer(key);
        }
        return client;
    }

    public static async Task<RunningPlatform> StartAsync(PlatformFixture fixture)
    {
        var platform = new RunningPlatform(fixture);
        try
        {
            await platform.StartServicesAsync();
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    /// <summary>The environment the AppHost gives a service: its database, the broker, its URL.</summary>
    public static Dictionary<string, string> ServiceEnvironment(string name, string url, ServiceDatabase database, string amqpUri) => new()
    {
        ["ASPNETCORE_URLS"] = url,
        [$"ConnectionStrings__{name}db"] = database.AppConnectionString,
        [$"ConnectionStrings__{name}db-owner"] = database.OwnerConnectionString,
        ["ConnectionStrings__messaging"] = amqpUri,
        ["OTEL_SERVICE_NAME"] = name,
        ["Auth__SigningKey"] = TestCredentials.SigningKey,
    };

    private async Task StartServicesAsync()
    {
        string[] services = ["registry", "dispatch", "evaluation"];
        foreach (var service in services)
        {
            Databases[service] = await Fixture.CreateDatabaseAsync(service + "db");
            Urls[service] = $"http://127.0.0.1:{FreePort.Next()}";
        }
        Databases["gateway"] = await Fixture.CreateDatabaseAsync("gatewaydb");
        Urls["gateway"] = $"http://127.0.0.1:{FreePort.Next()}";

        foreach (var service in services)
        {
            var project = "src/Services." + char.ToUpperInvariant(service[0]) + service[1..];
            _processes.Add(TestProcesses.Start(service, project,
                ServiceEnvironment(service, Urls[service], Databases[service], Fixture.AmqpUri())));
        }
        var gatewayEnvironment = ServiceEnvironment("gateway", Urls["gateway"], Databases["gateway"], Fixture.AmqpUri());
        foreach (var (key, value) in GatewaySettings)
        {
            gatewayEnvironment[key] = value;
        }
        foreach (var service in services)
        {
            gatewayEnvironment[$"services__{service}__http__0"] = Urls[service];
        }
        foreach (var (key, value) in Dashboard.DashboardAccess.GatewaySettings(Fixture))
        {
            gatewayEnvironment[key] = value;
        }
        _processes.Add(TestProcesses.Start("gateway", "src/Gateway", gatewayEnvironment));

        await Task.WhenAll(_processes.Select(p => p.WaitHealthyAsync(Urls[p.Name], TimeSpan.FromSeconds(90))));
    }

    /// <summary>The last lines a service wrote (warnings and errors), for a failing test's message.</summary>
    public string RecentOutput(string service) => _processes.First(p => p.Name == service).RecentOutput;

    /// <summary>
    /// The gateway's settings in the tests: the bootstrap operator key; webhooks to the tests' local
    /// receivers, retried and paused within seconds rather than hours.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> GatewaySettings = new Dictionary<string, string>
    {
        ["Kestrel__Limits__MaxRequestBodySize"] = "65536",
        ["Imports__MaxRequestBodySize"] = "4194304",
        ["Gateway__BootstrapOperatorKey"] = TestCredentials.OperatorKey,
        ["Webhooks__AllowPrivateTargets"] = "true",
        ["Webhooks__FirstRetryDelay"] = "00:00:00.200",
        ["Webhooks__MaxRetryDelay"] = "00:00:01",
        ["Webhooks__OrderingDelay"] = "00:00:00.500",
        ["Webhooks__PollInterval"] = "00:00:00.100",
        ["Webhooks__RequestTimeout"] = "00:00:02",
        ["Webhooks__PauseAfter"] = "00:00:06",
        ["Webhooks__PauseAfterFailures"] = "4",
    };

    /// <summary>
    /// Stops one service (gracefully) and starts it again with its usual environment plus
    /// <paramref name="extra"/> (e.g. <c>Clock__Offset</c> to move its clock ahead); waits until healthy.
    /// </summary>
    public async Task RestartAsync(string service, IReadOnlyDictionary<string, string>? extra = null)
    {
        var index = _processes.FindIndex(p => p.Name == service);
        await _processes[index].DisposeAsync();
        var project = "src/Services." + char.ToUpperInvariant(service[0]) + service[1..];
        var environment = ServiceEnvironment(service, Urls[service], Databases[service], Fixture.AmqpUri());
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        _processes[index] = TestProcesses.Start(service, project, environment);
        await _processes[index].WaitHealthyAsync(Urls[service], TimeSpan.FromSeconds(90));
    }

    /// <summary>Stops one service (gracefully) and leaves it stopped; <see cref="RestartAsync"/> brings it back.</summary>
    public async Task StopAsync(string service) => await _processes.First(p => p.Name == service).StopAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }
    }
}
