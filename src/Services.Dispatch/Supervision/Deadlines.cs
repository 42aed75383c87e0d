using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;
using Platform.Dispatch.Requests;
using Platform.RegistryReplica;

namespace Platform.Dispatch.Supervision;

/// <summary>
/// SLA clocks (监单). Deadlines count from the moment the resident placed the request, in calendar
/// hours of the county's tier settings; every deadline is a durable timer with a reminder before it.
/// </summary>
public static class Deadlines
{
    /// <summary>The tiers used until a county's own settings have arrived from Registry (the platform's defaults).</summary>
    public static readonly IReadOnlyList<SlaTier> DefaultSla =
        [new("simple", 2, 24), new("ordinary", 24, 72), new("complex", 48, 240)];

    public const int DefaultClaimStartLimitHours = 24;

    public static SlaTier Tier(CountySettings? settings, string tier) =>
        settings?.Sla.FirstOrDefault(t => t.Tier == tier) ?? DefaultSla.First(t => t.Tier == tier);

    public static int ClaimStartLimitHours(CountySettings? settings) => settings?.ClaimStartLimitHours is > 0 and var hours ? hours : DefaultClaimStartLimitHours;

    /// <summary>Sets both deadlines from the tier (counting from placement, or the completion from the last reopening) and schedules their timers.</summary>
    public static void Apply(DispatchDbContext db, ServiceRequest request, SlaTier tier, SupervisionOptions options, DateTimeOffset now)
    {
        var (response, completion) = (request.ResponseDueAt, request.CompletionDueAt);
        request.ResponseDueAt = request.PlacedAt.AddHours(tier.ResponseHours);
        request.CompletionDueAt = (request.CompletionCountsFrom ?? request.PlacedAt).AddHours(tier.CompletionHours);
        // Timers already set for an unchanged deadline (e.g. the response limit set at placing) stand.
        Schedule(db, request, options, now, response != request.ResponseDueAt, completion != request.CompletionDueAt);
    }

    /// <summary>
    /// Clocks for whichever deadlines the request still has to meet: one timer each, at its reminder,
    /// which on firing sets the deadline's own timer (<see cref="ChainAsync"/>); at the deadline itself
    /// when it is too late to remind. One that already passed fires at once.
    /// </summary>
    public static void Schedule(DispatchDbContext db, ServiceRequest request, SupervisionOptions options, DateTimeOffset now, bool response = true, bool completion = true)
    {
        request.ResponseWarnAt = request.ResponseDueAt is { } r ? WarnAt(request.PlacedAt, r, options) : null;
        request.CompletionWarnAt = request.CompletionDueAt is { } c ? WarnAt(request.CompletionCountsFrom ?? request.PlacedAt, c, options) : null;
        if (response && request.RespondedAt is null && request.ResponseDueAt is { } responseDue)
        {
            Start(db, request, now, (TimerKinds.ResponseReminder, request.ResponseWarnAt!.Value), (TimerKinds.ResponseDue, responseDue));
        }
        if (completion && request.CompletedAt is null && request.CompletionDueAt is { } completionDue)
        {
            Start(db, request, now, (TimerKinds.CompletionReminder, request.CompletionWarnAt!.Value), (TimerKinds.CompletionDue, completionDue));
        }
    }

    /// <summary>
    /// After a reminder timer fired: the deadline's own timer, at the deadline as it stands now (it may
    /// have moved since the reminder was set), if the request still awaits it and no timer for that
    /// moment is pending (a moved deadline has a reminder of its own, and both reminders chain).
    /// </summary>
    public static async Task ChainAsync(DispatchDbContext db, ServiceRequest request, SupervisionTimer reminder, CancellationToken cancellationToken)
    {
        var (kind, dueAt) = reminder.Kind switch
        {
            TimerKinds.ResponseReminder when request.RespondedAt is null => (TimerKinds.ResponseDue, request.ResponseDueAt),
            TimerKinds.CompletionReminder when request.CompletedAt is null => (TimerKinds.CompletionDue, request.CompletionDueAt),
            _ => (null, null),
        };
        if (kind is not null && dueAt is { } due
            && !await db.SupervisionTimers.AnyAsync(t => t.SubjectId == request.Id && t.Kind == kind && t.DueAt == due, cancellationToken))
        {
            Add(db, request.CountyId, request.Id, kind, due);
        }
    }

    /// <summary>
    /// A reminder set for a deadline that has moved since (dispatched to another tier, an extension,
    /// a reopening): the moved deadline has a reminder of its own, at its own moment, so this one does
    /// nothing, neither reminding early nor setting a second timer for the deadline.
    /// </summary>
    public static bool IsSuperseded(ServiceRequest request, SupervisionTimer timer)
    {
        var warnAt = timer.Kind switch
        {
            TimerKinds.ResponseReminder => request.ResponseWarnAt,
            TimerKinds.CompletionReminder => request.CompletionWarnAt,
            _ => null,
        };
        return warnAt is { } current && (timer.DueAt - current).Duration() > TimeSpan.FromMilliseconds(1);
    }

    /// <summary>When the last <see cref="SupervisionOptions.ReminderShare"/> of a deadline's window begins: the reminder, and "at risk" from then on.</summary>
    public static DateTimeOffset WarnAt(DateTimeOffset from, DateTimeOffset due, SupervisionOptions options) =>
        due - TimeSpan.FromTicks((long)((due - from).Ticks * options.ReminderShare));

    public static void Add(DispatchDbContext db, Guid countyId, Guid subjectId, string kind, DateTimeOffset dueAt) =>
        db.SupervisionTimers.Add(new SupervisionTimer { CountyId = countyId, SubjectId = subjectId, Kind = kind, DueAt = dueAt });

    /// <summary>A deadline's one timer: at its reminder, or at the deadline itself when it is too late to remind.</summary>
    private static void Start(DispatchDbContext db, ServiceRequest request, DateTimeOffset now, (string Kind, DateTimeOffset At) reminder, (string Kind, DateTimeOffset At) deadline)
    {
        var (kind, at) = reminder.At > now ? reminder : deadline;
        Add(db, request.CountyId, request.Id, kind, at);
    }
}

/// <summary>Escalation up grid → community → street/township → county (吹哨报到's upward chain).</summary>
public static class Escalations
{
    /// <summary>
    /// Raises the request one level (or to <c>toLevel</c>): the open step (if any) is superseded, the new level gets its
    /// response limit and a timer; the request's history and an event record it. Null at the top.
    /// </summary>
    public static async Task<Escalation?> RaiseAsync(
        DispatchDbContext db, RequestWork work, string reason, string? note, Actor actor, SupervisionOptions options, DateTimeOffset now, CancellationToken cancellationToken,
        string? toLevel = null)
    {
        var request = work.Request;
        var level = toLevel ?? EscalationLevels.Next(request.EscalationLevel);
        if (level is null)
        {
            return null;
        }
        foreach (var open in await db.Escalations.Where(e => e.RequestId == request.Id && (e.Status == "open" || e.Status == "acknowledged")).ToListAsync(cancellationToken))
        {
            open.Status = "superseded";
            open.ClosedAt = now;
        }
        var escalation = new Escalation
        {
            Id = Guid.CreateVersion7(now), RequestId = request.Id, Level = level, Reason = reason, Note = note, OpenedAt = now,
            AreaId = level switch { EscalationLevels.Community => request.CommunityId, EscalationLevels.Street => request.StreetId, _ => null },
            RespondBy = now.AddHours(options.ResponseHours(level)),
        };
        db.Escalations.Add(escalation);
        Deadlines.Add(db, request.CountyId, escalation.Id, TimerKinds.EscalationDue, escalation.RespondBy);
        request.EscalationLevel = level;
        var facts = RequestFlow.Record(db, work, "escalate", request.Status, actor, now, $"{level}: {reason}" + (note is null ? "" : " — " + note));
        db.Outbox.Publish(new RequestEscalated(request.CountyId, facts, escalation.Id, level, escalation.AreaId, reason, escalation.RespondBy, now));
        return escalation;
    }

    /// <summary>A finished request closes its open escalation steps.</summary>
    public static async Task CloseAsync(DispatchDbContext db, Guid requestId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var open in await db.Escalations.Where(e => e.RequestId == requestId && (e.Status == "open" || e.Status == "acknowledged")).ToListAsync(cancellationToken))
        {
            open.Status = "closed";
            open.ClosedAt = now;
        }
    }
}
