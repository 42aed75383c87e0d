namespace Platform.ServiceDefaults.Telemetry.Operations;

// What a service tells the operations dashboard (/ops/telemetry, /ops/messaging): plain records the
// gateway reads back with the same types. Minutes are Unix minutes (seconds since the epoch / 60).

/// <summary>Who an instance is: <c>/ops/instance</c>.</summary>
/// <param name="StartedAt">On the service's business clock; a new value for the same service means it restarted.</param>
/// <param name="ClockSkewSeconds">How far the service's business clock (Clock:Offset) runs ahead of the machine's.</param>
public sealed record InstanceFigures(
    string Service,
    string Instance,
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    double ClockSkewSeconds,
    DateTimeOffset Now);

/// <summary>One service instance's traffic over the last hour and its notable recent spans.</summary>
public sealed record TelemetrySnapshot(
    InstanceFigures Instance,
    IReadOnlyList<MinuteFigures> Minutes,
    IReadOnlyList<RouteFigures> Routes,
    IReadOnlyList<DimensionFigures> Counties,
    IReadOnlyList<DimensionFigures> Clients,
    IReadOnlyList<SpanRecord> Notable);

/// <summary>One minute of a service's or route's requests: errors are 5xx answers, rejections 4xx; latency in <see cref="LatencyHistogram"/> buckets.</summary>
public sealed record MinuteFigures(long Minute, long Requests, long Errors, long Rejections, long[] Latency);

/// <summary>A route template's hour: totals, the latency histogram of the hour, and its minutes.</summary>
public sealed record RouteFigures(string Method, string Route, long Requests, long Errors, long Rejections, long[] Latency, IReadOnlyList<MinuteFigures> Minutes);

/// <summary>Requests of one county or client over the hour; failures are every 4xx and 5xx answer.</summary>
public sealed record DimensionFigures(string Key, long Requests, long Failures);

/// <summary>A finished span (one step of a trace) as the dashboard shows it.</summary>
/// <param name="Kind">server, client, producer, consumer or internal.</param>
/// <param name="Detail">The status description or exception message of a failed span.</param>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Service,
    string Name,
    string Kind,
    DateTimeOffset Start,
    double DurationMs,
    bool Error,
    string? Detail,
    IReadOnlyDictionary<string, string>? Tags);

/// <summary>The spans one instance still holds of a trace.</summary>
public sealed record TraceSpans(string Service, string TraceId, IReadOnlyList<SpanRecord> Spans);

/// <summary>An instance's messaging plumbing: outbox backlog, publishes, duplicates its inbox stopped.</summary>
/// <param name="Outbox">Null when the service has no database (so no outbox), or it could not be read (<paramref name="OutboxError"/>).</param>
public sealed record MessagingFigures(
    string Service,
    string Instance,
    OutboxFigures? Outbox,
    string? OutboxError,
    long Published,
    long PublishFailures,
    long InboxDuplicates,
    IReadOnlyList<DimensionFigures> InboxDuplicatesByConsumer);

/// <param name="Backlog">Rows waiting to be published.</param>
/// <param name="OldestAgeSeconds">Age of the oldest waiting row; null when the outbox is empty.</param>
/// <param name="Retrying">Rows that failed at least once and wait for another attempt.</param>
public sealed record OutboxFigures(long Backlog, double? OldestAgeSeconds, long Retrying, string? LastError);
