using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>The platform's own activity source and instruments (outbox, inbox, group commit).</summary>
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

    /// <summary>Saves committed in a group commit's shared transactions (see GroupCommit).</summary>
    public static readonly Counter<long> GroupCommitSaves =
        Meter.CreateCounter<long>("platform.group_commit.saves", "{save}", "Saves committed in a group commit's shared transaction");

    /// <summary>The group commit's transactions: saves ÷ groups is the mean group.</summary>
    public static readonly Counter<long> GroupCommitGroups =
        Meter.CreateCounter<long>("platform.group_commit.groups", "{transaction}", "Transactions the group commit committed");

    /// <summary>Saves of groups that failed before their commit (a version that moved, a constraint), each then saved alone.</summary>
    public static readonly Counter<long> GroupCommitHandedBack =
        Meter.CreateCounter<long>("platform.group_commit.handed_back", "{save}", "Saves of failed groups, saved alone instead");
}
