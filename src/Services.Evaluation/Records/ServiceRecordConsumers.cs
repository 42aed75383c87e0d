using MassTransit;
using Platform.Contracts;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Records;

/// <summary>
/// Builds the service record from one kind of event, in batches (queue <c>evaluation-service-record</c>):
/// per county in the batch, one transaction records the message ids in the inbox (the same table and
/// key — <c>service-record:{type}</c> — every consumer uses, so a redelivered message adds nothing) and
/// writes the lines of the messages not seen before; a second copy of an event under another message
/// id adds nothing either (each line and request event is keyed by its source). A county Evaluation
/// cannot write for yet (its registration or settings still on their way) has its entries parked in
/// the same transaction and written when it can (<see cref="ParkedEntries"/>): the other counties of
/// the batch go on.
/// </summary>
public abstract class ServiceRecordConsumer<TMessage>(IServiceScopeFactory scopes, TimeProvider clock) : IConsumer<Batch<TMessage>>
    where TMessage : class, ICountyMessage
{
    public string ConsumerName => "service-record:" + typeof(TMessage).Name;

    /// <summary>The lines (and request event) the message adds.</summary>
    public abstract LedgerEntry Describe(TMessage message);

    /// <summary>Every entry the message adds: its one entry, or one per moment when its lines occurred at several (each is booked and priced at its own).</summary>
    public virtual IEnumerable<LedgerEntry> Entries(TMessage message) => [Describe(message)];

    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        var cancellationToken = context.CancellationToken;
        foreach (var county in context.Message.GroupBy(m => m.Message.CountyId))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(county.Key);
            var db = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var messages = county.Where(m => m.MessageId is not null).GroupBy(m => m.MessageId!.Value).Select(g => g.First()).ToList();
            var fresh = await ClaimAsync(db, messages.Select(m => m.MessageId!.Value).ToArray(), now, cancellationToken);
            var entries = messages.Where(m => fresh.Contains(m.MessageId!.Value))
                .SelectMany(m => Entries(m.Message).Select(entry => (Entry: entry, m.MessageId)))
                // An event that adds no line (a pending report, a list item added ...) leaves only its inbox row.
                .Where(e => e.Entry.Lines.Count > 0 || e.Entry.Request is not null)
                .ToList();
            if (entries.Count > 0)
            {
                try
                {
                    await Ledger.WriteManyAsync(db, county.Key, entries, now, cancellationToken);
                }
                catch (CountyNotReadyException notReady)
                {
                    // Nothing was written; the transaction holds the inbox rows and takes the entries to keep.
                    await ParkedEntries.ParkAsync(db, county.Key, ConsumerName, entries, notReady.Message, now, cancellationToken);
                    scope.ServiceProvider.GetRequiredService<ILogger<ServiceRecordConsumer<TMessage>>>().LogWarning(
                        "Parked {Count} service-record entries: {Reason}", entries.Count, notReady.Message);
                }
            }
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>Records the message ids in the inbox; answers those not recorded before.</summary>
    private async Task<HashSet<Guid>> ClaimAsync(EvaluationDbContext db, Guid[] ids, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = await Sql.QueryAsync(db,
            "INSERT INTO inbox_messages (message_id, consumer, received_at) SELECT unnest($1::uuid[]), $2, $3 ON CONFLICT DO NOTHING RETURNING message_id",
            r => r.GetGuid(0), cancellationToken, ids, ConsumerName, now);
        return [.. claimed];
    }
}

/// <summary>The kinds of service-record lines and the points rules (codes in the county's settings) that price them.</summary>
public static class RecordKinds
{
    public const string RequestClaimed = "request_claimed";
    public const string RequestReleased = "request_released";
    public const string RequestCompleted = "request_completed";
    public const string RequestRated = "request_rated";
    public const string RequestReopened = "request_reopened";
    public const string RequestOverdue = "request_overdue";
    public const string RequestEscalated = "request_escalated";
    public const string RequestExtended = "request_extended";
    public const string ActivityAttended = "activity_attended";
    public const string ServiceTime = "service_time";
    public const string ActivityOutcome = "activity_outcome";
    public const string ReportConfirmed = "report_confirmed";
    public const string ListItemClaimed = "list_item_claimed";
    public const string ListItemDone = "list_item_done";
    public const string ActivityCancelled = "activity_cancelled";
    public const string Correction = "correction";
    public const string WhistlePrefix = "whistle_";

    /// <summary>Lines that show a member served in a community (coverage, activity attendance).</summary>
    public static readonly IReadOnlyList<string> Services = [ActivityAttended, RequestCompleted];

    /// <summary>
    /// SQL condition on a line <c>s</c> of <c>service_records</c>: not a line of an activity later cancelled, for the same
    /// subject. Such lines stay in the record (never edited), taken back by <see cref="ActivityCancelled"/> lines; what
    /// counts check-ins, service time or who served leaves them out.
    /// </summary>
    public const string NotCancelledSql = """
        NOT EXISTS (SELECT 1 FROM service_records v WHERE v.county_id = s.county_id AND v.kind = 'activity_cancelled'
            AND v.activity_id = s.activity_id AND v.subject_kind = s.subject_kind AND v.subject_id = s.subject_id)
        """;

    public const string MemberSubject = "member";
    public const string UnitSubject = "unit";

    /// <summary>Every kind of line but the whistles' (one per change: <see cref="WhistlePrefix"/> and the change).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        RequestClaimed, RequestReleased, RequestCompleted, RequestRated, RequestReopened, RequestOverdue, RequestEscalated, RequestExtended,
        ActivityAttended, ServiceTime, ActivityOutcome, ActivityCancelled, ReportConfirmed, ListItemClaimed, ListItemDone, Correction,
    ];

    public static bool IsKind(string kind) =>
        All.Contains(kind) || (kind.StartsWith(WhistlePrefix, StringComparison.Ordinal) && kind.Length > WhistlePrefix.Length && kind.Length <= 40);
}

/// <summary>How request events become service-record lines: the holders (and their unit) of the request get a line each.</summary>
public static class RequestLines
{
    public static RequestEvent Event(RequestFacts facts, string type, DateTimeOffset at, string? satisfaction = null, bool? resolved = null, bool? onTime = null,
        string? detail = null, Guid? discriminator = null, string? keyType = null) => new()
        {
            RequestId = facts.RequestId, Version = facts.Version, EventType = type, SourceKey = Key(facts, keyType ?? type, discriminator), OccurredAt = at,
            Status = facts.Status, Tier = facts.Tier, Category = facts.Category, IsMicroWish = facts.IsMicroWish, CommunityId = facts.CommunityId,
            StreetId = facts.StreetId, GridId = facts.GridId, UnitId = facts.AssigneeUnitId, MemberIds = [.. facts.AssigneeMemberIds],
            PlacedAt = facts.PlacedAt, ResponseDueAt = facts.ResponseDueAt, RespondedAt = facts.RespondedAt, CompletionDueAt = facts.CompletionDueAt,
            CompletedAt = facts.CompletedAt, ReopenCount = facts.ReopenCount, Satisfaction = satisfaction, Resolved = resolved, OnTime = onTime,
            Detail = detail is null ? null : TextCut.Shorten(detail, LineDraft.MaxDetailLength),
        };

    /// <summary>request id, version and event type (and the member, for events one transition publishes per member).</summary>
    public static string Key(RequestFacts facts, string type, Guid? discriminator = null) =>
        $"request:{facts.RequestId}:{facts.Version}:{type}" + (discriminator is { } d ? ":" + d : "");

    /// <summary>A line for each member holding the request and one for its unit.</summary>
    public static List<LineDraft> Holders(RequestFacts facts, string kind, string? rule, string? detail)
    {
        var lines = facts.AssigneeMemberIds.Distinct()
            .Select(m => new LineDraft(RecordKinds.MemberSubject, m, kind, rule, UnitId: facts.AssigneeUnitId, CommunityId: facts.CommunityId,
                GridId: facts.GridId, RequestId: facts.RequestId, Detail: detail))
            .ToList();
        if (facts.AssigneeUnitId is { } unit)
        {
            lines.Add(new LineDraft(RecordKinds.UnitSubject, unit, kind, UnitId: unit, CommunityId: facts.CommunityId, GridId: facts.GridId,
                RequestId: facts.RequestId, Detail: detail));
        }
        return lines;
    }

    /// <summary>A line for one named member and one for their unit.</summary>
    public static List<LineDraft> One(RequestFacts facts, Guid? member, Guid? unit, string kind, string? detail)
    {
        var lines = new List<LineDraft>();
        if (member is { } m)
        {
            lines.Add(new LineDraft(RecordKinds.MemberSubject, m, kind, UnitId: unit, CommunityId: facts.CommunityId, GridId: facts.GridId, RequestId: facts.RequestId, Detail: detail));
        }
        if (unit is { } u)
        {
            lines.Add(new LineDraft(RecordKinds.UnitSubject, u, kind, UnitId: u, CommunityId: facts.CommunityId, GridId: facts.GridId, RequestId: facts.RequestId, Detail: detail));
        }
        return lines;
    }
}

public sealed class RequestPlacedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestPlaced>(scopes, clock)
{
    public override LedgerEntry Describe(RequestPlaced m) =>
        new(nameof(RequestPlaced), RequestLines.Key(m.Request, "placed"), m.PlacedAt, [], RequestLines.Event(m.Request, "placed", m.PlacedAt));
}

public sealed class RequestDispatchedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestDispatched>(scopes, clock)
{
    public override LedgerEntry Describe(RequestDispatched m) =>
        new(nameof(RequestDispatched), RequestLines.Key(m.Request, "dispatched"), m.DispatchedAt, [], RequestLines.Event(m.Request, "dispatched", m.DispatchedAt, detail: m.Mode));
}

public sealed class RequestClaimedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestClaimed>(scopes, clock)
{
    public override LedgerEntry Describe(RequestClaimed m) =>
        new(nameof(RequestClaimed), RequestLines.Key(m.Request, "claimed", m.MemberId), m.ClaimedAt,
            RequestLines.One(m.Request, m.MemberId, m.UnitId, RecordKinds.RequestClaimed, m.Joint ? "joint" : null),
            RequestLines.Event(m.Request, "claimed", m.ClaimedAt, discriminator: m.MemberId));
}

public sealed class RequestReleasedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestReleased>(scopes, clock)
{
    public override LedgerEntry Describe(RequestReleased m) =>
        new(nameof(RequestReleased), RequestLines.Key(m.Request, "released", m.MemberId), m.ReleasedAt,
            RequestLines.One(m.Request, m.MemberId, m.UnitId, RecordKinds.RequestReleased, m.Reason),
            RequestLines.Event(m.Request, "released", m.ReleasedAt, detail: m.Reason, discriminator: m.MemberId));
}

/// <summary>Points for a completed request go to each holder once per request: a completion after a reopen earns nothing more.</summary>
public sealed class RequestCompletedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestCompleted>(scopes, clock)
{
    public override LedgerEntry Describe(RequestCompleted m) =>
        new(nameof(RequestCompleted), RequestLines.Key(m.Request, "completed"), m.CompletedAt,
            RequestLines.Holders(m.Request, RecordKinds.RequestCompleted, m.Request.ReopenCount == 0 ? "request_completed_" + (m.Request.Tier ?? "ordinary") : null,
                (m.Request.Tier ?? "untriaged") + (m.OnTime ? "" : ", late")),
            RequestLines.Event(m.Request, "completed", m.CompletedAt, onTime: m.OnTime));
}

/// <summary>The satisfied-rating bonus needs "satisfied" and resolved; a rating that reopens the request earns nothing.</summary>
public sealed class RequestRatedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestRated>(scopes, clock)
{
    public override LedgerEntry Describe(RequestRated m) =>
        new(nameof(RequestRated), RequestLines.Key(m.Request, "rated"), m.RatedAt,
            RequestLines.Holders(m.Request, RecordKinds.RequestRated, m.Satisfaction == "satisfied" && m.Resolved ? "satisfied_rating" : null,
                m.Satisfaction + (m.Resolved ? "" : ", not resolved")),
            RequestLines.Event(m.Request, "rated", m.RatedAt, m.Satisfaction, m.Resolved));
}

public sealed class RequestReopenedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestReopened>(scopes, clock)
{
    public override LedgerEntry Describe(RequestReopened m) =>
        new(nameof(RequestReopened), RequestLines.Key(m.Request, "reopened"), m.ReopenedAt,
            RequestLines.Holders(m.Request, RecordKinds.RequestReopened, "request_reopened", m.Reason),
            RequestLines.Event(m.Request, "reopened", m.ReopenedAt, detail: m.Reason));
}

public sealed class RequestOverdueRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestOverdue>(scopes, clock)
{
    public override LedgerEntry Describe(RequestOverdue m) =>
        new(nameof(RequestOverdue), RequestLines.Key(m.Request, "overdue:" + m.Deadline), m.DetectedAt,
            RequestLines.Holders(m.Request, RecordKinds.RequestOverdue, "request_overdue", m.Deadline),
            RequestLines.Event(m.Request, "overdue", m.DetectedAt, detail: m.Deadline, keyType: "overdue:" + m.Deadline));
}

public sealed class RequestEscalatedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestEscalated>(scopes, clock)
{
    public override LedgerEntry Describe(RequestEscalated m) =>
        new(nameof(RequestEscalated), RequestLines.Key(m.Request, "escalated"), m.EscalatedAt,
            RequestLines.Holders(m.Request, RecordKinds.RequestEscalated, null, $"{m.Level}: {m.Reason}"),
            RequestLines.Event(m.Request, "escalated", m.EscalatedAt, detail: $"{m.Level}: {m.Reason}"));
}

public sealed class RequestExtendedRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestExtended>(scopes, clock)
{
    public override LedgerEntry Describe(RequestExtended m) =>
        new(nameof(RequestExtended), RequestLines.Key(m.Request, "extended"), m.ApprovedAt,
            RequestLines.Holders(m.Request, RecordKinds.RequestExtended, null, $"{m.PreviousDueAt:u} → {m.NewDueAt:u}"),
            RequestLines.Event(m.Request, "extended", m.ApprovedAt));
}

public sealed class RequestCancelledRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<RequestCancelled>(scopes, clock)
{
    public override LedgerEntry Describe(RequestCancelled m) =>
        new(nameof(RequestCancelled), RequestLines.Key(m.Request, "cancelled"), m.CancelledAt, [], RequestLines.Event(m.Request, "cancelled", m.CancelledAt, detail: m.Reason));
}

/// <summary>Check-in earns the attendance rule, check-out the service-hour rule by the minutes served; an outcome is recorded (到 vs 干).</summary>
public sealed class AttendanceRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<AttendanceRecorded>(scopes, clock)
{
    public override LedgerEntry Describe(AttendanceRecorded m)
    {
        var (kind, rule, quantity, minutes, at) = m.Change switch
        {
            AttendanceChange.CheckedIn => (RecordKinds.ActivityAttended, "activity_attendance", 1m, 0, m.CheckedInAt),
            AttendanceChange.CheckedOut => (RecordKinds.ServiceTime, "service_hour", m.ServiceMinutes / 60m, m.ServiceMinutes, m.CheckedOutAt ?? m.RecordedAt),
            _ => (RecordKinds.ActivityOutcome, (string?)null, 1m, 0, m.RecordedAt),
        };
        var lines = new List<LineDraft>
        {
            new(RecordKinds.MemberSubject, m.MemberId, kind, rule, quantity, UnitId: m.UnitId, CommunityId: m.CommunityId, ActivityId: m.ActivityId,
                ServiceMinutes: minutes, Detail: m.ActivityKind),
        };
        if (m.UnitId is { } unit && m.Change != AttendanceChange.OutcomeRecorded)
        {
            lines.Add(new(RecordKinds.UnitSubject, unit, kind, UnitId: unit, CommunityId: m.CommunityId, ActivityId: m.ActivityId, ServiceMinutes: minutes, Detail: m.ActivityKind));
        }
        // An outcome may be recorded again (it replaces the text): each recording is its own line.
        var key = $"attendance:{m.AttendanceId}:{m.Change}" + (m.Change == AttendanceChange.OutcomeRecorded ? ":" + m.RecordedAt.UtcTicks : "");
        return new LedgerEntry(nameof(AttendanceRecorded), key, at, lines);
    }
}

/// <summary>
/// A cancelled activity was not held: each attendance it voids gets <c>activity_cancelled</c> lines that take back what its
/// check-in and check-out earned — the same rules priced at the same moments, the quantities negated — so points drop by
/// exactly what was given, whichever event arrives first; the figures leave out the activity's lines for those subjects.
/// </summary>
public sealed class ActivityCancelledRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<ActivityCancelled>(scopes, clock)
{
    /// <summary>The cancellation as such adds no line: <see cref="Entries"/> adds one entry per check-in and check-out it takes back.</summary>
    public override LedgerEntry Describe(ActivityCancelled m) => new(nameof(ActivityCancelled), $"activity:{m.ActivityId}:cancelled", m.CancelledAt, []);

    public override IEnumerable<LedgerEntry> Entries(ActivityCancelled m)
    {
        foreach (var a in m.Attendances)
        {
            yield return Void(m, a, AttendanceChange.CheckedIn, a.CheckedInAt, "activity_attendance", -1m, 0);
            if (a.CheckedOutAt is { } outAt)
            {
                yield return Void(m, a, AttendanceChange.CheckedOut, outAt, "service_hour", -a.ServiceMinutes / 60m, -a.ServiceMinutes);
            }
        }
    }

    /// <summary>Mirrors the lines <see cref="AttendanceRecorder"/> wrote for the change: the member's, priced, and their unit's.</summary>
    private static LedgerEntry Void(ActivityCancelled m, VoidedAttendance a, string change, DateTimeOffset at, string rule, decimal quantity, int minutes)
    {
        var detail = change + (string.IsNullOrWhiteSpace(m.Reason) ? "" : ": " + m.Reason);
        var lines = new List<LineDraft>
        {
            new(RecordKinds.MemberSubject, a.MemberId, RecordKinds.ActivityCancelled, rule, quantity, UnitId: a.UnitId, CommunityId: m.CommunityId,
                ActivityId: m.ActivityId, ServiceMinutes: minutes, Detail: detail),
        };
        if (a.UnitId is { } unit)
        {
            lines.Add(new(RecordKinds.UnitSubject, unit, RecordKinds.ActivityCancelled, UnitId: unit, CommunityId: m.CommunityId, ActivityId: m.ActivityId,
                ServiceMinutes: minutes, Detail: detail));
        }
        return new LedgerEntry(nameof(ActivityCancelled), $"activity-cancelled:{m.ActivityId}:{a.AttendanceId}:{change}", at, lines);
    }
}

public sealed class WhistleRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<WhistleChanged>(scopes, clock)
{
    public override LedgerEntry Describe(WhistleChanged m) =>
        new(nameof(WhistleChanged), $"whistle:{m.WhistleId}:{m.Version}", m.ChangedAt,
        [
            new(RecordKinds.UnitSubject, m.UnitId, RecordKinds.WhistlePrefix + m.Change, UnitId: m.UnitId, CommunityId: m.Level == "community" ? m.AreaId : null,
                RequestId: m.RequestId, Detail: m.Level + (m.Overdue ? ", overdue" : "")),
        ]);
}

public sealed class MonthlyListItemRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<MonthlyListItemChanged>(scopes, clock)
{
    public override LedgerEntry Describe(MonthlyListItemChanged m)
    {
        var kind = m.Change == MonthlyListItemChange.Claimed ? RecordKinds.ListItemClaimed : m.Status == "done" ? RecordKinds.ListItemDone : null;
        List<LineDraft> lines = kind is not null && m.UnitId is { } unit
            ? [new(RecordKinds.UnitSubject, unit, kind, UnitId: unit, CommunityId: m.CommunityId, RequestId: m.RequestId, Detail: m.Title)]
            : [];
        return new LedgerEntry(nameof(MonthlyListItemChanged), $"list-item:{m.ItemId}:{m.Version}", m.ChangedAt, lines);
    }
}

/// <summary>A confirmed report (报到) is a line of the member's (or unit's) record, priced by the rule <c>report_confirmed</c> when the county has one.</summary>
public sealed class ReportRecorder(IServiceScopeFactory scopes, TimeProvider clock)
    : ServiceRecordConsumer<ReportChanged>(scopes, clock)
{
    public override LedgerEntry Describe(ReportChanged m)
    {
        List<LineDraft> lines = [];
        if (m.Change == RegistryChange.Confirmed && m.Status == "confirmed")
        {
            lines.Add(m.Kind == "member" && m.MemberId is { } member
                ? new(RecordKinds.MemberSubject, member, RecordKinds.ReportConfirmed, "report_confirmed", UnitId: m.UnitId, CommunityId: m.CommunityId, GridId: m.GridId)
                : new(RecordKinds.UnitSubject, m.UnitId ?? Guid.Empty, RecordKinds.ReportConfirmed, UnitId: m.UnitId, CommunityId: m.CommunityId));
        }
        return new LedgerEntry(nameof(ReportChanged), $"report:{m.ReportId}:{m.Version}", m.ConfirmedAt ?? m.ChangedAt,
            lines.Where(l => l.SubjectId != Guid.Empty).ToList());
    }
}

public static class ServiceRecordRegistration
{
    public const string Queue = "evaluation-service-record";

    /// <summary>Up to this many messages of one type are taken into one transaction (per county).</summary>
    public const int BatchSize = 500;

    /// <summary>Configuration key: how long a batch gathers after its first message before it is handed over.</summary>
    public const string BatchTimeLimitKey = "Messaging:ServiceRecordBatchTimeLimit";

    /// <summary>
    /// A fifth of a second: nothing waits on the ledger that closely, and under `bench/run dispatch` batches
    /// of some fifty messages instead of eight cost PostgreSQL less per event than 30 ms did (bench/README).
    /// </summary>
    public static readonly TimeSpan DefaultBatchTimeLimit = TimeSpan.FromMilliseconds(200);

    /// <summary>Messages handled at once on Evaluation's other endpoints (one transaction each).</summary>
    public const int OtherEndpointsConcurrency = 64;

    /// <summary>
    /// The service-record consumers, batched. Evaluation takes many messages ahead (appsettings.json
    /// <c>Messaging:PrefetchCount</c>) so that batches fill; its other endpoints handle one message per
    /// transaction and stay at <see cref="OtherEndpointsConcurrency"/> at once, within the connection pool.
    /// </summary>
    public static IBusRegistrationConfigurator AddServiceRecord(this IBusRegistrationConfigurator bus, TimeSpan? batchTimeLimit = null)
    {
        var timeLimit = batchTimeLimit ?? DefaultBatchTimeLimit;
        bus.AddConfigureEndpointsCallback((name, endpoint) =>
        {
            if (name != Queue)
            {
                endpoint.ConcurrentMessageLimit = OtherEndpointsConcurrency;
            }
        });
        Add<RequestPlacedRecorder>(bus, timeLimit);
        Add<RequestDispatchedRecorder>(bus, timeLimit);
        Add<RequestClaimedRecorder>(bus, timeLimit);
        Add<RequestReleasedRecorder>(bus, timeLimit);
        Add<RequestCompletedRecorder>(bus, timeLimit);
        Add<RequestRatedRecorder>(bus, timeLimit);
        Add<RequestReopenedRecorder>(bus, timeLimit);
        Add<RequestOverdueRecorder>(bus, timeLimit);
        Add<RequestEscalatedRecorder>(bus, timeLimit);
        Add<RequestExtendedRecorder>(bus, timeLimit);
        Add<RequestCancelledRecorder>(bus, timeLimit);
        Add<AttendanceRecorder>(bus, timeLimit);
        Add<ActivityCancelledRecorder>(bus, timeLimit);
        Add<WhistleRecorder>(bus, timeLimit);
        Add<MonthlyListItemRecorder>(bus, timeLimit);
        Add<ReportRecorder>(bus, timeLimit);
        return bus;
    }

    /// <summary>A batch is handed over when full or the time limit after its first message; two batches of a type run at once.</summary>
    private static void Add<TConsumer>(IBusRegistrationConfigurator bus, TimeSpan timeLimit) where TConsumer : class, IConsumer =>
        bus.AddConsumer<TConsumer>(consumer => consumer.Options<BatchOptions>(batch => batch
                .SetMessageLimit(BatchSize).SetTimeLimit(timeLimit).SetConcurrencyLimit(2)))
            .Endpoint(e => e.Name = Queue);
}
