using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

public sealed record TracesView(DateTimeOffset At, IReadOnlyList<SpanRecord> Recent, IReadOnlyList<string> Unreachable);

/// <param name="Services">Services whose spans appear in it, in order of first appearance.</param>
public sealed record TraceView(string TraceId, IReadOnlyList<string> Services, IReadOnlyList<SpanRecord> Spans, IReadOnlyList<string> Unreachable);

/// <summary>
/// Panel 6: recent failed or slow requests and consumed messages of every instance, and one trace
/// put together from the spans every instance still holds (gateway → service → outbox publish →
/// broker → consumer). The window is in memory and bounded; OTLP export is the long-term record.
/// </summary>
public sealed class TracesPanel(DashboardSources sources, TrafficPanel traffic, SpanWindow spans, TimeProvider clock)
{
    public async Task<TracesView> ReadAsync(CancellationToken cancellationToken)
    {
        var snapshots = await traffic.SnapshotsAsync(cancellationToken);
        var recent = snapshots.Where(s => s.Read.Ok).SelectMany(s => s.Read.Value!.Notable)
            .OrderByDescending(s => s.Start).Take(50).ToList();
        return new TracesView(clock.GetUtcNow(), recent, Unreachable(snapshots.Where(s => !s.Read.Ok).Select(s => (s.Instance, s.Read.Error))));
    }

    public async Task<TraceView> TraceAsync(string traceId, CancellationToken cancellationToken)
    {
        var reads = await sources.ReadAllAsync<TraceSpans>($"/ops/telemetry/traces/{Uri.EscapeDataString(traceId)}", cancellationToken);
        var all = spans.Trace(traceId).Concat(reads.Where(r => r.Read.Ok).SelectMany(r => r.Read.Value!.Spans))
            .DistinctBy(s => s.SpanId).OrderBy(s => s.Start).ToList();
        return new TraceView(traceId, [.. all.Select(s => s.Service).Distinct()], all,
            Unreachable(reads.Where(r => !r.Read.Ok).Select(r => ((ServiceInstance?)r.Instance, r.Read.Error))));
    }

    private static List<string> Unreachable(IEnumerable<(ServiceInstance? Instance, string? Error)> failures) =>
        [.. failures.Select(f => $"{f.Instance?.Service} ({f.Instance?.Url}): {f.Error}")];
}
