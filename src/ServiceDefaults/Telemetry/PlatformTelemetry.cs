using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>The platform's own activity source and instruments (outbox, inbox).</summary>
public static class PlatformTelemetry
{
    public const string SourceName = "Platform";

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly Meter Meter = new(SourceName);

    /// <summary>Outbox rows handed to the broker and confirmed.</summary>
    public static readonly Counter<long> OutboxPublished =
        Meter.CreateCounter<long>("platform.outbox.published", "{message}", "Outbox messages published and confirmed by the broker");

    /// <summary>Outbox publishes that failed and were scheduled again.</summary>
    public static readonly Counter<long> OutboxFailed =
        Meter.CreateCounter<long>("platform.outbox.failed", "{message}", "Outbox publishes that failed and will be retried");

    /// <summary>Messages a consumer had already processed: the inbox kept them from a second effect.</summary>
    public static readonly Counter<long> InboxDuplicates =
        Meter.CreateCounter<long>("platform.inbox.duplicates", "{message}", "Redelivered messages skipped by the inbox");
}
