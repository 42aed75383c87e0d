using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts.Dispatch;
using Platform.Dispatch.Requests;

namespace Platform.Dispatch.Supervision;

/// <summary>
/// Acts on due timers: reminders, overdue detection, claim expiry, escalation and whistle limits.
/// Each timer is taken with <c>FOR UPDATE SKIP LOCKED</c> and handled in one transaction with its
/// effects and events (outbox), then deleted: a crash before the commit leaves it due, so after a
/// restart it is handled exactly once; several instances share the work.
/// </summary>
public sealed class SupervisionScheduler(IServiceScopeFactory scopes, TimeProvider clock, IOptions<SupervisionOptions> options, ILogger<SupervisionScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await HandleNextAsync(stoppingToken))
                {
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "Supervision timers could not be handled; retrying.");
            }
            try
            {
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Handles one due timer; false when none is due.</summary>
    public async Task<bool> HandleNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var timer = (await db.SupervisionTimers
            .FromSql($"SELECT * FROM supervision_timers WHERE due_at <= {now} ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED")
            .AsNoTracking().ToListAsync(cancellationToken)).FirstOrDefault();
        if (timer is null)
        {
            return false;
        }
        var county = await db.Counties.AsNoTracking().FirstOrDefaultAsync(c => c.Id == timer.CountyId, cancellationToken);
        if (county is not null)
        {
            await db.ActForCountyAsync(county, cancellationToken);
            await new TimerHandlers(db, options.Value, now, Activities.ActivityCalendar.Of(county)).HandleAsync(timer, cancellationToken);
        }
        await db.SupervisionTimers.Where(t => t.Id == timer.Id).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}

/// <summary>What each timer does when it fires, if its subject still needs it.</summary>
internal sealed class TimerHandlers(DispatchDbContext db, SupervisionOptions options, DateTimeOffset now, Activities.ActivityCalendar calendar)
{
    public async Task HandleAsync(SupervisionTimer timer, CancellationToken cancellationToken)
    {
        switch (timer.Kind)
        {
            case TimerKinds.ResponseReminder or TimerKinds.CompletionReminder or TimerKinds.ResponseDue or TimerKinds.CompletionDue or TimerKinds.ClaimStart:
                var (work, _) = await RequestFlow.FindAsync(db, null, timer.SubjectId, cancellationToken);
                if (work is not null && !Deadlines.IsSuperseded(work.Request, timer))
                {
                    await OnRequestAsync(work, timer.Kind, cancellationToken);
                    if (work.Request.IsOpen)
                    {
                        await Deadlines.ChainAsync(db, work.Request, timer, cancellationToken);
                    }
                }
                break;
            case TimerKinds.EscalationDue:
                await OnEscalationDueAsync(timer.SubjectId, cancellationToken);
                break;
            case TimerKinds.WhistleAcknowledgeDue or TimerKinds.WhistleReportDue:
                await Whistles.OnDueAsync(db, timer.SubjectId, timer.Kind, now, cancellationToken);
                break;
        }
    }

    private async Task OnRequestAsync(RequestWork work, string kind, CancellationToken cancellationToken)
    {
        var request = work.Request;
        if (!request.IsOpen)
        {
            return;
        }
        var awaitsResponse = request.RespondedAt is null && request.ResponseDueAt is not null;
        var awaitsCompletion = request.CompletedAt is null && request.CompletionDueAt is not null;
        switch (kind)
        {
            case TimerKinds.ResponseReminder when awaitsResponse && request.ResponseRemindedAt is null && request.ResponseDueAt > now:
                request.ResponseRemindedAt = now;
                Remind(work, "response", request.ResponseDueAt!.Value);
                break;
            case TimerKinds.CompletionReminder when awaitsCompletion && request.CompletionRemindedAt is null && request.CompletionDueAt > now:
                request.CompletionRemindedAt = now;
                Remind(work, "completion", request.CompletionDueAt!.Value);
                break;
            case TimerKinds.ResponseDue when awaitsResponse && request.ResponseOverdueAt is null && request.ResponseDueAt <= now:
                request.ResponseOverdueAt = now;
                await OverdueAsync(work, "response", request.ResponseDueAt!.Value, cancellationToken);
                break;
            case TimerKinds.CompletionDue when awaitsCompletion && request.CompletionOverdueAt is null && request.CompletionDueAt <= now:
                request.CompletionOverdueAt = now;
                await OverdueAsync(work, "completion", request.CompletionDueAt!.Value, cancellationToken);
                break;
            case TimerKinds.ClaimStart when request.Status == RequestStatus.Claimed && request.DispatchMode == "pool" && request.ClaimStartDueAt <= now:
                ExpireClaim(work);
                break;
        }
    }

    private void Remind(RequestWork work, string deadline, DateTimeOffset dueAt)
    {
        var facts = RequestFlow.Record(db, work, "remind", work.Request.Status, Actor.System, now, $"{deadline} deadline {calendar.Text(dueAt)} is near");
        db.Outbox.Publish(new RequestDeadlineApproaching(work.Request.CountyId, facts, deadline, dueAt, now));
    }

    private async Task OverdueAsync(RequestWork work, string deadline, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var facts = RequestFlow.Record(db, work, "overdue", work.Request.Status, Actor.System, now, $"{deadline} deadline {calendar.Text(dueAt)} passed");
        db.Outbox.Publish(new RequestOverdue(work.Request.CountyId, facts, deadline, dueAt, now));
        await Escalations.RaiseAsync(db, work, deadline + "_overdue", null, Actor.System, options, now, cancellationToken);
    }

    /// <summary>A pool claim not started within the county's limit goes back to the pool.</summary>
    private void ExpireClaim(RequestWork work)
    {
        var request = work.Request;
        var released = work.Holders.ToList();
        foreach (var claimant in released)
        {
            claimant.ReleasedAt = now;
            claimant.ReleaseReason = "claim_expired";
        }
        request.Status = RequestStatus.Pooled;
        request.ClaimStartDueAt = null;
        request.AssigneeUnitId = null;
        var facts = RequestFlow.Record(db, work, "claim_expired", RequestStatus.Claimed, Actor.System, now, "not started within the county's limit");
        foreach (var claimant in released)
        {
            db.Outbox.Publish(new RequestReleased(request.CountyId, facts, claimant.MemberId, claimant.UnitId, "claim_expired", null, now));
        }
    }

    /// <summary>A level that did not respond in time: the request climbs again.</summary>
    private async Task OnEscalationDueAsync(Guid escalationId, CancellationToken cancellationToken)
    {
        var escalation = await db.Escalations.FirstOrDefaultAsync(e => e.Id == escalationId, cancellationToken);
        if (escalation is null || escalation.Status != "open" || escalation.RespondBy > now)
        {
            return;
        }
        var (work, _) = await RequestFlow.FindAsync(db, null, escalation.RequestId, cancellationToken);
        if (work is not null && work.Request.IsOpen && work.Request.EscalationLevel == escalation.Level)
        {
            await Escalations.RaiseAsync(db, work, "unanswered", $"{escalation.Level} did not respond by {calendar.Text(escalation.RespondBy)}", Actor.System, options, now, cancellationToken);
        }
    }
}
