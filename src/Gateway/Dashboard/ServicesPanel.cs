using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

/// <param name="Alive">The process answers at all.</param>
/// <param name="Ready">Its /health answers 200: database and broker reachable.</param>
/// <param name="Restarts">New start times seen for this instance since the gateway started.</param>
public sealed record InstanceState(
    string Service, string Url, bool Alive, bool Ready, string? Version, DateTimeOffset? StartedAt, double? UptimeSeconds,
    double? ClockSkewSeconds, int Restarts, IReadOnlyDictionary<string, string> Checks, string? Error);

/// <param name="State">up, degraded (some instance not ready) or down (no instance alive).</param>
public sealed record ServiceState(string Service, string State, IReadOnlyList<InstanceState> Instances);

/// <param name="State">reachable, unreachable or unknown (no one could tell).</param>
public sealed record InfrastructureState(string Name, string State, string Detail);

public sealed record ServicesView(DateTimeOffset At, IReadOnlyList<ServiceState> Services, IReadOnlyList<InfrastructureState> Infrastructure);

/// <summary>
/// Panel 1: every service and instance — alive, ready, version, uptime, restarts — and whether
/// PostgreSQL and RabbitMQ are reachable (from the services' own health checks and RabbitMQ's
/// management API). Restarts are counted by <see cref="ServicesMonitor"/> between page loads too.
/// </summary>
public sealed class ServicesPanel(DashboardSources sources, ServiceIdentity gateway, TimeProvider clock, IMemoryCache cache)
{
    private readonly ConcurrentDictionary<string, HashSet<DateTimeOffset>> _starts = new(StringComparer.Ordinal);

    public Task<ServicesView> ReadAsync(CancellationToken cancellationToken) =>
        cache.ReadThroughAsync("ops:services", TimeSpan.FromSeconds(1), () => ReadNowAsync(cancellationToken));

    public async Task<ServicesView> ReadNowAsync(CancellationToken cancellationToken)
    {
        var instances = await Task.WhenAll(sources.Instances.Select(instance => ReadInstanceAsync(instance, cancellationToken)));
        var overview = sources.ManagementAsync("overview", cancellationToken);

        var self = OperationsTelemetry.Describe(gateway, clock);
        var services = new List<ServiceState>
        {
            new("gateway", "up", [new InstanceState("gateway", "(this process)", true, true, self.Version, self.StartedAt, self.UptimeSeconds, self.ClockSkewSeconds, 0, new Dictionary<string, string>(), null)]),
        };
        foreach (var group in instances.GroupBy(i => i.Service))
        {
            var list = group.ToList();
            var state = list.All(i => i.Ready) ? "up" : list.Any(i => i.Alive) ? "degraded" : "down";
            services.Add(new ServiceState(group.Key, state, list));
        }
        return new ServicesView(clock.GetUtcNow(), services, [Postgres(instances), Broker(instances, await overview)]);
    }

    private async Task<InstanceState> ReadInstanceAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        var healthTask = sources.GetRawAsync(instance, "/health", cancellationToken);
        var describedTask = sources.ReadAsync<InstanceFigures>(instance, "/ops/instance", cancellationToken);
        var (status, body, error) = await healthTask;
        var described = await describedTask;
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body is not null && error is null)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.TryGetProperty("checks", out var entries) && entries.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in entries.EnumerateObject())
                    {
                        checks[entry.Name] = entry.Value.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
                    }
                }
            }
            catch (JsonException)
            {
                // Not our health report: the status code alone decides.
            }
        }
        var figures = described.Value;
        var restarts = 0;
        if (figures is not null)
        {
            var starts = _starts.GetOrAdd(instance.Service + " " + instance.Url, _ => []);
            lock (starts)
            {
                starts.Add(figures.StartedAt);
                restarts = starts.Count - 1;
            }
        }
        else if (_starts.TryGetValue(instance.Service + " " + instance.Url, out var seen))
        {
            lock (seen)
            {
                restarts = seen.Count - 1;
            }
        }
        var alive = error is null || described.Ok;
        return new InstanceState(instance.Service, instance.Url, alive, error is null && status == 200, figures?.Version, figures?.StartedAt,
            figures?.UptimeSeconds, figures?.ClockSkewSeconds, restarts, checks,
            error is not null ? "unreachable: " + error : status == 200 ? null : $"not ready (/health answered {status})");
    }

    private static InfrastructureState Postgres(IReadOnlyList<InstanceState> instances)
    {
        var databases = instances.SelectMany(i => i.Checks.Where(c => c.Key.EndsWith("db", StringComparison.Ordinal)).Select(c => (i.Service, Check: c.Key, Healthy: c.Value == "Healthy"))).ToList();
        if (databases.Count == 0)
        {
            return new InfrastructureState("PostgreSQL", "unknown", "no service answered with its database check");
        }
        var detail = string.Join(", ", databases.DistinctBy(d => d.Check).Select(d => $"{d.Check} {(d.Healthy ? "ok" : "unreachable")}"));
        return new InfrastructureState("PostgreSQL", databases.Any(d => d.Healthy) ? (databases.All(d => d.Healthy) ? "reachable" : "degraded") : "unreachable", detail);
    }

    private static InfrastructureState Broker(IReadOnlyList<InstanceState> instances, Read<System.Text.Json.Nodes.JsonNode> overview)
    {
        var buses = instances.SelectMany(i => i.Checks.Where(c => c.Key.Contains("masstransit", StringComparison.OrdinalIgnoreCase) || c.Key.Contains("bus", StringComparison.OrdinalIgnoreCase))
            .Select(c => (i.Service, Healthy: c.Value == "Healthy"))).ToList();
        var fromServices = buses.Count == 0 ? "" : "; connected: " + string.Join(", ", buses.Select(b => $"{b.Service} {(b.Healthy ? "ok" : "no")}"));
        if (overview.Value is { } node)
        {
            return new InfrastructureState("RabbitMQ", "reachable", $"RabbitMQ {node["rabbitmq_version"]} on {node["node"]}{fromServices}");
        }
        var state = buses.Count == 0 ? "unknown" : buses.Any(b => b.Healthy) ? "reachable" : "unreachable";
        return new InfrastructureState("RabbitMQ", state, overview.Error + fromServices);
    }
}

/// <summary>Checks every instance's health in the background, so a restart between two looks at the page is still counted.</summary>
public sealed class ServicesMonitor(ServicesPanel panel, DashboardSources sources, ILogger<ServicesMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(sources.Options.MonitorInterval);
        do
        {
            try
            {
                await panel.ReadNowAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Checking the services' health failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
