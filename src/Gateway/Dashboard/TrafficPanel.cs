using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

/// <summary>Percentiles in ms (null with no requests).</summary>
public sealed record Latency(double? P50, double? P95, double? P99);

/// <summary>A time series over the last hour, one value per minute from <see cref="TrafficView.FromMinute"/>.</summary>
public sealed record MinuteSeries(long[] Requests, long[] Errors, long[] Rejections, double?[] P50, double?[] P95, double?[] P99);

public sealed record RouteTraffic(string Service, string Method, string Route, long Requests, long Errors, long Rejections, Latency Latency, MinuteSeries Minutes);

/// <param name="RequestsPerSecond">Over the last five minutes.</param>
/// <param name="Error">Why some instance's figures are missing (the rest are shown).</param>
public sealed record ServiceTraffic(string Service, int Instances, int Reporting, long Requests, long Errors, long Rejections, double RequestsPerSecond, double ErrorRate,
    Latency Latency, MinuteSeries Minutes, IReadOnlyList<RouteTraffic> Routes, string? Error);

/// <param name="Key">The client's id (or <c>anonymous</c>), or the county's code.</param>
/// <param name="Name">The client's or county's name, when the gateway's database answered.</param>
/// <param name="Failures">4xx and 5xx answers.</param>
public sealed record FailingCaller(string Key, string? Name, long Requests, long Failures);

public sealed record TrafficView(DateTimeOffset At, long FromMinute, IReadOnlyList<ServiceTraffic> Services, IReadOnlyList<RouteTraffic> SlowestRoutes,
    IReadOnlyList<FailingCaller> FailingClients, IReadOnlyList<FailingCaller> FailingCounties);

/// <summary>
/// Panel 2: requests/s, error rate and p50/p95/p99 per service and per route over the last hour,
/// from every instance's <c>/ops/telemetry</c> (the gateway's own from memory); histograms of
/// instances and minutes are added before percentiles are read. Slowest routes by p95; failing
/// clients and counties as the gateway saw them, since every outside call enters there.
/// </summary>
public sealed class TrafficPanel(
    DashboardSources sources, TrafficWindow traffic, SpanWindow spans, ServiceIdentity gateway, IServiceScopeFactory scopes, TimeProvider clock, IMemoryCache cache)
{
    private const int Minutes = TrafficWindow.Minutes;

    /// <summary>Every instance's snapshot, the gateway's first; shared with the traces panel for a second.</summary>
    public Task<IReadOnlyList<(string Service, ServiceInstance? Instance, Read<TelemetrySnapshot> Read)>> SnapshotsAsync(CancellationToken cancellationToken) =>
        cache.ReadThroughAsync("ops:telemetry", TimeSpan.FromSeconds(1), async () =>
        {
            var reads = await sources.ReadAllAsync<TelemetrySnapshot>("/ops/telemetry", cancellationToken);
            var own = new Read<TelemetrySnapshot>(OperationsTelemetry.Snapshot(traffic, spans, gateway, clock), null);
            return (IReadOnlyList<(string, ServiceInstance?, Read<TelemetrySnapshot>)>)
                [("gateway", null, own), .. reads.Select(r => (r.Instance.Service, (ServiceInstance?)r.Instance, r.Read))];
        });

    public async Task<TrafficView> ReadAsync(CancellationToken cancellationToken)
    {
        var snapshots = await SnapshotsAsync(cancellationToken);
        var now = traffic.CurrentMinute;
        var from = now - Minutes + 1;
        var services = snapshots.GroupBy(s => s.Service).Select(group => Service(group.Key, [.. group], from)).ToList();
        var slowest = services.SelectMany(s => s.Routes).Where(r => r.Requests >= 3 && r.Latency.P95 is not null)
            .OrderByDescending(r => r.Latency.P95).Take(10).ToList();
        var entry = snapshots[0].Read.Value!;
        var clients = Failing(entry.Clients);
        var counties = Failing(entry.Counties);
        var (clientNames, countyNames) = await NamesAsync(clients, counties, cancellationToken);
        return new TrafficView(clock.GetUtcNow(), from, services, slowest,
            [.. clients.Select(c => c with { Name = Guid.TryParse(c.Key, out var id) ? clientNames.GetValueOrDefault(id) : null })],
            [.. counties.Select(c => c with { Name = countyNames.GetValueOrDefault(c.Key) })]);
    }

    private static List<FailingCaller> Failing(IReadOnlyList<DimensionFigures> figures) =>
        [.. figures.Where(f => f.Failures > 0).OrderByDescending(f => f.Failures).ThenByDescending(f => f.Requests).Take(10).Select(f => new FailingCaller(f.Key, null, f.Requests, f.Failures))];

    /// <summary>The names of the failing clients and counties, so an operator need not look each up; none while the gateway's database is away.</summary>
    private async Task<(Dictionary<Guid, string> Clients, Dictionary<string, string> Counties)> NamesAsync(
        List<FailingCaller> clients, List<FailingCaller> counties, CancellationToken cancellationToken)
    {
        var ids = clients.Select(c => Guid.TryParse(c.Key, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();
        var codes = counties.Select(c => c.Key).ToList();
        if (ids.Count == 0 && codes.Count == 0)
        {
            return ([], []);
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
            return (await db.Clients.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken),
                await db.Counties.AsNoTracking().Where(c => codes.Contains(c.Code)).ToDictionaryAsync(c => c.Code, c => c.Name, cancellationToken));
        }
        catch (Exception exception) when (ServiceDefaults.Persistence.PostgresErrors.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            return ([], []);
        }
    }

    private static ServiceTraffic Service(string service, List<(string Service, ServiceInstance? Instance, Read<TelemetrySnapshot> Read)> instances, long from)
    {
        var reporting = instances.Where(i => i.Read.Ok).Select(i => i.Read.Value!).ToList();
        var error = instances.Where(i => !i.Read.Ok).Select(i => $"{i.Instance?.Url}: {i.Read.Error}").FirstOrDefault();
        var minutes = Series(reporting.SelectMany(s => s.Minutes), from);
        var routes = reporting.SelectMany(s => s.Routes).GroupBy(r => (r.Method, r.Route)).Select(g =>
        {
            var latency = new long[LatencyHistogram.BucketCount];
            foreach (var route in g)
            {
                LatencyHistogram.Add(latency, route.Latency);
            }
            return new RouteTraffic(service, g.Key.Method, g.Key.Route, g.Sum(r => r.Requests), g.Sum(r => r.Errors), g.Sum(r => r.Rejections),
                Percentiles(latency), Series(g.SelectMany(r => r.Minutes), from));
        }).OrderByDescending(r => r.Requests).ToList();
        var total = new long[LatencyHistogram.BucketCount];
        foreach (var minute in reporting.SelectMany(s => s.Minutes))
        {
            LatencyHistogram.Add(total, minute.Latency);
        }
        var requests = minutes.Requests.Sum();
        var errors = minutes.Errors.Sum();
        var lastFive = minutes.Requests[^5..].Sum();
        return new ServiceTraffic(service, instances.Count, reporting.Count, requests, errors, minutes.Rejections.Sum(),
            Math.Round(lastFive / 300.0, 2), requests == 0 ? 0 : Math.Round((double)errors / requests, 4), Percentiles(total), minutes, routes, error);
    }

    /// <summary>Per-minute figures of several instances added up and laid on the hour's 60 slots.</summary>
    private static MinuteSeries Series(IEnumerable<MinuteFigures> figures, long from)
    {
        var requests = new long[Minutes];
        var errors = new long[Minutes];
        var rejections = new long[Minutes];
        var latency = new long[Minutes][];
        foreach (var minute in figures)
        {
            var slot = minute.Minute - from;
            if (slot is < 0 or >= Minutes)
            {
                continue;
            }
            requests[slot] += minute.Requests;
            errors[slot] += minute.Errors;
            rejections[slot] += minute.Rejections;
            LatencyHistogram.Add(latency[slot] ??= new long[LatencyHistogram.BucketCount], minute.Latency);
        }
        double?[] Quantile(double q) => [.. latency.Select(h => h is null ? null : LatencyHistogram.Percentile(h, q))];
        return new MinuteSeries(requests, errors, rejections, Quantile(0.5), Quantile(0.95), Quantile(0.99));
    }

    private static Latency Percentiles(long[] histogram) =>
        new(LatencyHistogram.Percentile(histogram, 0.5), LatencyHistogram.Percentile(histogram, 0.95), LatencyHistogram.Percentile(histogram, 0.99));
}
