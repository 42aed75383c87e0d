using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Platform.ServiceDefaults.Telemetry.Operations;

/// <summary>
/// The last few thousand finished spans of this instance (ASP.NET Core, HttpClient, YARP,
/// MassTransit, Npgsql and the platform's own source), so the gateway can put one trace together
/// across gateway → service → broker → consumer without an external backend. A failed or slow
/// entry span (a request served or a message consumed) also keeps its trace's spans aside, so the
/// traces worth looking at outlive the ring. Listens beside the OpenTelemetry SDK: OTLP export is
/// unaffected. Configuration: <c>Ops:SpanCapacity</c> (default 4000), <c>Ops:SlowEntrySpan</c> (default 1 s).
/// </summary>
public sealed class SpanWindow : IDisposable
{
    private const int NotableCapacity = 100;
    private const int KeptTraceCapacity = 100;
    private const int MaxTagLength = 200;

    /// <summary>The tags worth showing with a span; the rest stay with the OTLP export.</summary>
    private static readonly HashSet<string> ShownTags =
    [
        "http.request.method", "http.route", "url.path", "url.full", "http.response.status_code", "server.address", "server.port",
        "messaging.destination.name", "messaging.message.id", "messaging.operation", "messaging.operation.type", "messaging.batch.message_count",
        "db.system", "db.system.name", "db.namespace", "db.query.text", "db.statement", "error.type", "exception.type", "exception.message",
        "platform.county", "platform.message.type",
    ];

    private readonly string _service;
    private readonly ActivityListener _listener;
    private readonly SpanRecord?[] _ring;
    private readonly Lock _gate = new();
    private readonly LinkedList<SpanRecord> _notable = new();
    private readonly Dictionary<string, List<SpanRecord>> _kept = new(StringComparer.Ordinal);
    private readonly Queue<string> _keptOrder = new();
    private readonly TimeSpan _slow;
    private int _next;
    private long _lastKeptTicks;

    public SpanWindow(ServiceIdentity identity, IConfiguration configuration)
    {
        _service = identity.Name;
        _ring = new SpanRecord?[Math.Max(100, configuration.GetValue("Ops:SpanCapacity", 4000))];
        _slow = configuration.GetValue("Ops:SlowEntrySpan", TimeSpan.FromSeconds(1));
        var sources = new HashSet<string>(TelemetryExtensions.ActivitySources, StringComparer.Ordinal);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            // Ask for the data, never for recording: what the SDK exports stays the sampler's decision.
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Recent failed or slow requests and consumed messages, newest first.</summary>
    public IReadOnlyList<SpanRecord> Notable()
    {
        lock (_gate)
        {
            return [.. _notable];
        }
    }

    /// <summary>Every span this instance still holds of the trace, in start order.</summary>
    public IReadOnlyList<SpanRecord> Trace(string traceId)
    {
        var spans = new Dictionary<string, SpanRecord>(StringComparer.Ordinal);
        lock (_gate)
        {
            if (_kept.TryGetValue(traceId, out var kept))
            {
                foreach (var span in kept)
                {
                    spans[span.SpanId] = span;
                }
            }
            foreach (var span in _ring)
            {
                if (span is not null && span.TraceId == traceId)
                {
                    spans[span.SpanId] = span;
                }
            }
        }
        return [.. spans.Values.OrderBy(s => s.Start)];
    }

    private void OnStopped(Activity activity)
    {
        var span = ToRecord(activity);
        var entry = activity.Parent is null && activity.Kind is ActivityKind.Server or ActivityKind.Consumer;
        var notable = entry && (span.Error || activity.Duration >= _slow);
        lock (_gate)
        {
            _ring[_next] = span;
            _next = (_next + 1) % _ring.Length;
            // A storm of failures keeps one trace per 50 ms: enough to look at, cheap to hold.
            if (notable && Stopwatch.GetElapsedTime(_lastKeptTicks) > TimeSpan.FromMilliseconds(50))
            {
                _lastKeptTicks = Stopwatch.GetTimestamp();
                Keep(span);
            }
        }
    }

    /// <summary>Under the lock: remembers the entry span and copies its trace out of the ring.</summary>
    private void Keep(SpanRecord entry)
    {
        _notable.AddFirst(entry);
        if (_notable.Count > NotableCapacity)
        {
            _notable.RemoveLast();
        }
        if (!_kept.TryGetValue(entry.TraceId, out var spans))
        {
            _kept[entry.TraceId] = spans = [];
            _keptOrder.Enqueue(entry.TraceId);
            if (_keptOrder.Count > KeptTraceCapacity)
            {
                _kept.Remove(_keptOrder.Dequeue());
            }
        }
        spans.Clear();
        foreach (var span in _ring)
        {
            if (span is not null && span.TraceId == entry.TraceId)
            {
                spans.Add(span);
            }
        }
    }

    private SpanRecord ToRecord(Activity activity)
    {
        Dictionary<string, string>? tags = null;
        var error = activity.Status == ActivityStatusCode.Error;
        var detail = error ? activity.StatusDescription : null;
        foreach (var tag in activity.EnumerateTagObjects())
        {
            if (tag.Value is null || !ShownTags.Contains(tag.Key))
            {
                continue;
            }
            var text = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            (tags ??= new Dictionary<string, string>(StringComparer.Ordinal))[tag.Key] = text.Length > MaxTagLength ? text[..MaxTagLength] + "…" : text;
            if (tag.Key == "http.response.status_code" && activity.Kind == ActivityKind.Server && tag.Value is int code && code >= 500)
            {
                error = true;
            }
            else if (tag.Key == "error.type")
            {
                error = true;
                detail ??= text;
            }
        }
        foreach (var e in activity.EnumerateEvents())
        {
            if (e.Name == "exception")
            {
                error = true;
                foreach (var tag in e.EnumerateTagObjects())
                {
                    if (tag.Key == "exception.message")
                    {
                        detail = tag.Value?.ToString();
                    }
                }
            }
        }
        return new SpanRecord(
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            _service,
            activity.DisplayName,
            activity.Kind.ToString().ToLowerInvariant(),
            new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero),
            Math.Round(activity.Duration.TotalMilliseconds, 3),
            error,
            detail,
            tags);
    }

    public void Dispose() => _listener.Dispose();
}
