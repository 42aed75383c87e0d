using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Platform.ServiceDefaults.Http;

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
        "platform.county", "platform.message.type", "platform.group_commit.saves", "platform.group_commit.trace_id", "platform.group_commit.handed_back",
    ];

    private readonly string _service;
    private readonly ActivityListener _listener;
    private readonly Slot[] _ring;
    private readonly Lock _gate = new();
    private readonly LinkedList<SpanRecord> _notable = new();
    private readonly Dictionary<ActivityTraceId, List<SpanRecord>> _kept = [];
    private readonly Queue<ActivityTraceId> _keptOrder = new();
    private readonly TimeSpan _slow;
    private int _next;
    private long _lastKeptTicks;

    public SpanWindow(ServiceIdentity identity, IConfiguration configuration)
    {
        _service = identity.Name;
        _ring = new Slot[Math.Max(100, configuration.GetValue("Ops:SpanCapacity", 4000))];
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

    /// <summary>Every span this instance still holds of the trace (32 lower-case hex digits), in start order.</summary>
    public IReadOnlyList<SpanRecord> Trace(string traceId)
    {
        if (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigitLower))
        {
            return [];
        }
        var id = ActivityTraceId.CreateFromString(traceId);
        var spans = new Dictionary<string, SpanRecord>(StringComparer.Ordinal);
        lock (_gate)
        {
            if (_kept.TryGetValue(id, out var kept))
            {
                foreach (var span in kept)
                {
                    spans[span.SpanId] = span;
                }
            }
            foreach (ref readonly var slot in _ring.AsSpan())
            {
                if (slot.Name is not null && slot.TraceId == id)
                {
                    var span = ToRecord(slot);
                    spans[span.SpanId] = span;
                }
            }
        }
        return [.. spans.Values.OrderBy(s => s.Start)];
    }

    private void OnStopped(Activity activity)
    {
        var slot = ToSlot(activity);
        var entry = activity.Parent is null && activity.Kind is ActivityKind.Server or ActivityKind.Consumer;
        var notable = entry && (slot.Error || activity.Duration >= _slow);
        lock (_gate)
        {
            _ring[_next] = slot;
            _next = (_next + 1) % _ring.Length;
            // A storm of failures keeps one trace per 50 ms: enough to look at, cheap to hold.
            if (notable && Stopwatch.GetElapsedTime(_lastKeptTicks) > TimeSpan.FromMilliseconds(50))
            {
                _lastKeptTicks = Stopwatch.GetTimestamp();
                Keep(slot);
            }
        }
    }

    /// <summary>Under the lock: remembers the entry span and copies its trace out of the ring.</summary>
    private void Keep(in Slot entry)
    {
        _notable.AddFirst(ToRecord(entry));
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
        foreach (ref readonly var slot in _ring.AsSpan())
        {
            if (slot.Name is not null && slot.TraceId == entry.TraceId)
            {
                spans.Add(ToRecord(slot));
            }
        }
    }

    /// <summary>
    /// What the ring keeps of a span: ids as values, and the activity's own name and tag objects by
    /// reference. Every request and statement passes through here, and each slot lives a few seconds:
    /// long enough to outlive the young generation, so anything allocated for it is copied by the GC.
    /// Text is made only when a span is read.
    /// </summary>
    private static Slot ToSlot(Activity activity)
    {
        List<KeyValuePair<string, object>>? tags = null;
        var error = activity.Status == ActivityStatusCode.Error;
        foreach (ref readonly var tag in activity.EnumerateTagObjects())
        {
            if (tag.Value is null || !ShownTags.Contains(tag.Key))
            {
                continue;
            }
            (tags ??= new List<KeyValuePair<string, object>>(8)).Add(new(tag.Key, tag.Value));
            error |= tag.Key == "error.type" || (tag.Key == "http.response.status_code" && activity.Kind == ActivityKind.Server && tag.Value is int code && code >= 500);
        }
        var exception = false;
        foreach (ref readonly var e in activity.EnumerateEvents())
        {
            exception |= e.Name == "exception";
        }
        return new Slot(
            activity.TraceId, activity.SpanId, activity.ParentSpanId, activity.DisplayName, activity.Kind, activity.StartTimeUtc, activity.Duration,
            error || exception, error || exception ? Detail(activity) : null, tags?.ToArray());
    }

    /// <summary>Why a failed span failed: the exception's message, else the error type, else the status description.</summary>
    private static string? Detail(Activity activity)
    {
        string? detail = null;
        foreach (ref readonly var e in activity.EnumerateEvents())
        {
            if (e.Name == "exception")
            {
                foreach (ref readonly var tag in e.EnumerateTagObjects())
                {
                    if (tag.Key == "exception.message")
                    {
                        detail = tag.Value?.ToString();
                    }
                }
            }
        }
        return detail ?? activity.StatusDescription ?? activity.GetTagItem("error.type")?.ToString();
    }

    private SpanRecord ToRecord(in Slot slot)
    {
        Dictionary<string, string>? tags = null;
        foreach (var (key, value) in slot.Tags ?? [])
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            (tags ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = TextCut.Shorten(text, MaxTagLength + 1);
        }
        return new SpanRecord(
            slot.TraceId.ToHexString(),
            slot.SpanId.ToHexString(),
            slot.ParentSpanId == default ? null : slot.ParentSpanId.ToHexString(),
            _service,
            slot.Name,
            KindNames[(int)slot.Kind],
            new DateTimeOffset(slot.StartUtc, TimeSpan.Zero),
            Math.Round(slot.Duration.TotalMilliseconds, 3),
            slot.Error,
            slot.Detail,
            tags);
    }

    /// <summary><see cref="ActivityKind"/>'s names as the dashboard shows them, by value.</summary>
    private static readonly string[] KindNames = [.. Enum.GetValues<ActivityKind>().Select(k => k.ToString().ToLowerInvariant())];

    /// <summary>A finished span in the ring; an empty slot has no name.</summary>
    private readonly record struct Slot(
        ActivityTraceId TraceId, ActivitySpanId SpanId, ActivitySpanId ParentSpanId, string Name, ActivityKind Kind,
        DateTime StartUtc, TimeSpan Duration, bool Error, string? Detail, KeyValuePair<string, object>[]? Tags);

    public void Dispose() => _listener.Dispose();
}
