using Yarp.ReverseProxy.Configuration;

namespace Platform.Bench;

/// <summary>
/// The HTTP ceilings of baselines.md, each run as a process of its own (BENCH_SERVE, ASPNETCORE_URLS)
/// so that it shares the two cores with wrk exactly as the services do: the "tiny JSON GET" bare
/// minimal API, and a bare YARP proxy (one catch-all route, nothing of the platform) in front of it.
/// </summary>
public static class HttpCeilings
{
    public const string ServeVariable = "BENCH_SERVE";
    public const string ServeValue = "minimal-api";
    public const string BareYarpValue = "bare-yarp";

    /// <summary>Where the bare proxy forwards to (the minimal API's base URL).</summary>
    public const string DestinationVariable = "BENCH_YARP_DESTINATION";

    public static bool IsServeMode => Environment.GetEnvironmentVariable(ServeVariable) is ServeValue or BareYarpValue;

    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var proxy = Environment.GetEnvironmentVariable(ServeVariable) == BareYarpValue;
        if (proxy)
        {
            var destination = Environment.GetEnvironmentVariable(DestinationVariable)
                ?? throw new InvalidOperationException($"{DestinationVariable} is not set");
            builder.Services.AddReverseProxy().LoadFromMemory(
                [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
                [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["backend"] = new() { Address = destination } } }]);
        }
        var app = builder.Build();
        app.MapGet("/health", () => "Healthy");
        if (proxy)
        {
            app.MapReverseProxy();
        }
        else
        {
            app.MapGet("/", () => new { ok = true });
        }
        await app.RunAsync();
    }
}
