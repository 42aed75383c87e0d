using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests.Support;

/// <summary>The four processes of the platform, wired by the Aspire environment contract as the AppHost does.</summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];

    private RunningPlatform(PlatformFixture fixture) => Fixture = fixture;

    public PlatformFixture Fixture { get; }

    public Dictionary<string, ServiceDatabase> Databases { get; } = [];

    public Dictionary<string, string> Urls { get; } = [];

    public string GatewayUrl => Urls["gateway"];

    public HttpClient Gateway() => new() { BaseAddress = new Uri(GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };

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
    };

    private async Task StartServicesAsync()
    {
        string[] services = ["registry", "dispatch", "evaluation"];
        foreach (var service in services)
        {
            Databases[service] = await Fixture.CreateDatabaseAsync(service + "db");
            Urls[service] = $"http://127.0.0.1:{FreePort.Next()}";
        }
        Urls["gateway"] = $"http://127.0.0.1:{FreePort.Next()}";

        foreach (var service in services)
        {
            var project = "src/Services." + char.ToUpperInvariant(service[0]) + service[1..];
            _processes.Add(TestProcesses.Start(service, project,
                ServiceEnvironment(service, Urls[service], Databases[service], Fixture.AmqpUri())));
        }
        var gatewayEnvironment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Urls["gateway"],
            ["OTEL_SERVICE_NAME"] = "gateway",
            ["Kestrel__Limits__MaxRequestBodySize"] = "65536",
            ["Imports__MaxRequestBodySize"] = "4194304",
        };
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
