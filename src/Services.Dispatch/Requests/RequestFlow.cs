using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Dispatch;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Requests;

/// <summary>A request with the members holding it now, tracked, as a command changes them.</summary>
public sealed class RequestWork(ServiceRequest request, List<RequestClaimant> claimants)
{
    public ServiceRequest Request { get; } = request;

    /// <summary>Every claimant row loaded (open ones and those the command released).</summary>
    public List<RequestClaimant> Claimants { get; } = claimants;

    public IEnumerable<RequestClaimant> Holders => Claimants.Where(c => c.ReleasedAt is null);

    public bool IsHeldBy(Guid memberId) => Holders.Any(c => c.MemberId == memberId);

    /// <summary>History lines written by this change so far (orders those of one change).</summary>
    internal int Recorded { get; set; }
}

/// <summary>What every command on a request shares: finding it, recording the move, building the event's facts.</summary>
public static class RequestFlow
{
    // Every command starts with these two reads: compiled once rather than translated per call.
    private static readonly Func<DispatchDbContext, Guid, CancellationToken, Task<ServiceRequest?>> RequestById =
        EF.CompileAsyncQuery((DispatchDbContext db, Guid id, CancellationToken _) => db.Requests.FirstOrDefault(r => r.Id == id));

    private static readonly Func<DispatchDbContext, Guid, IAsyncEnumerable<RequestClaimant>> HoldersOf =
        EF.CompileAsyncQuery((DispatchDbContext db, Guid id) => db.RequestClaimants.Where(c => c.RequestId == id && c.ReleasedAt == null));

    public static async Task<(RequestWork?, ProblemHttpResult?)> FindAsync(DispatchDbContext db, HttpContext? http, Guid id, CancellationToken cancellationToken)
    {
        var request = await RequestById(db, id, cancellationToken);
        if (request is null)
        {
            return (null, Problems.ResourceNotFound("request", id));
        }
        if (http is not null && ETags.PreconditionFailed(http, request) is { } stale)
        {
            return (null, stale);
        }
        var claimants = RequestStatus.MayBeHeld(request.Status)
            ? await HoldersOf(db, id).ToListAsync(cancellationToken)
            : [];
        return (new RequestWork(request, claimants), null);
    }

    /// <summary>The request a command acts on, when it exists (404), matches If-Match (412) and is in a state the command starts from (409).</summary>
    /// The work is only to be used when there is no problem.
    public static async Task<(RequestWork Work, ProblemHttpResult? Problem)> BeginAsync(DispatchDbContext db, HttpContext http, Guid id, string command, params string[] from)
    {
        var (work, problem) = await FindAsync(db, http, id, http.RequestAborted);
        if (problem is not null)
        {
            return (null!, problem);
        }
        return Expect(work!.Request, command, from) is { } illegal ? (null!, illegal) : (work, null);
    }

    /// <summary>409 unless the request is in one of the states the command starts from.</summary>
    public static ProblemHttpResult? Expect(ServiceRequest request, string command, params string[] from) =>
        from.Contains(request.Status) ? null : DispatchProblems.Illegal("request", command, request.Status);

    /// <summary>Moves the request: its version goes up, a history line is written; returns its facts as they will be saved.</summary>
    public static RequestFacts Record(
        DispatchDbContext db, RequestWork work, string action, string fromStatus, Actor actor, DateTimeOffset now, string? note = null, IReadOnlyList<string>? evidence = null)
    {
        var request = work.Request;
        db.Advance(request);
        db.Touch(request);
        db.RequestHistory.Add(new RequestHistoryEntry
        {
            Id = Guid.CreateVersion7(now), RequestId = request.Id, Sequence = request.Version * 100 + work.Recorded++, At = now, Action = action, FromStatus = fromStatus, ToStatus = request.Status,
            ActorRole = actor.Role, ActorId = actor.Id, ActorName = actor.Name, Channel = actor.Channel, Note = note, Evidence = [.. evidence ?? []],
        });
        return Facts(work);
    }

    public static RequestFacts Facts(RequestWork work)
    {
        var r = work.Request;
        var members = work.Holders.Select(c => c.MemberId).ToList();
        if (members.Count == 0 && r.AssigneeMemberId is { } named)
        {
            members.Add(named);
        }
        return new RequestFacts(
            r.Id, r.Version, r.Status, r.Category, r.Tier, r.IsMicroWish, r.Channel, r.CommunityId, r.GridId, r.StreetId, r.PlacedAt,
            r.ResponseDueAt, r.CompletionDueAt, r.RespondedAt, r.CompletedAt, r.AssigneeUnitId, members, r.ReopenCount, r.EscalationLevel);
    }

    /// <summary>
    /// Optional text as it is kept: trimmed, as its length was checked (a note of 500 characters and a
    /// line break is 500 characters), and none when blank.
    /// </summary>
    public static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Saves a command's changes; a concurrent change of the same request answers 409.</summary>
    public static async Task<ProblemHttpResult?> SaveAsync(DispatchDbContext db, CancellationToken cancellationToken, string conflictCode = ProblemCodes.ConcurrencyConflict)
    {
        var (raced, problem) = await TrySaveAsync(db, cancellationToken);
        return raced ? Problems.Conflict(conflictCode, "The request changed meanwhile; read it again and retry.") : problem;
    }

    /// <summary>The calendar of the county the request acts for: moments in notes and messages are written in its time.</summary>
    public static Activities.ActivityCalendar CalendarOf(HttpContext http) =>
        Activities.ActivityCalendar.Of(http.RequestServices.GetRequiredService<ServiceDefaults.Tenancy.ITenantContext>().County);

    /// <summary>
    /// Saves a command's changes. <c>Raced</c> when another change of the same request was saved first:
    /// its version moved on, that change's history line took the same place in the request's history,
    /// or the two deadlocked and PostgreSQL let the other go on.
    /// </summary>
    public static async Task<(bool Raced, ProblemHttpResult? Problem)> TrySaveAsync(DispatchDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesGroupedAsync(cancellationToken);
            return (false, null);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (true, null);
        }
        catch (DbUpdateException exception) when (ServiceDefaults.Persistence.PostgresErrors.IsUniqueViolation(exception, "ix_request_history_request_id_sequence"))
        {
            return (true, null);
        }
        catch (Exception exception) when (ServiceDefaults.Persistence.PostgresErrors.IsDeadlock(exception))
        {
            // Two changes of the request waited on each other (one's history line, the other's row);
            // PostgreSQL let the other go on: as for a version that moved on, this one lost the race.
            return (true, null);
        }
        catch (DbUpdateException exception) when (ServiceDefaults.Persistence.PostgresErrors.IsUniqueViolation(exception, "ux_request_claimants_open"))
        {
            return (false, Problems.Conflict("request_already_held", "The member already holds this request.", "memberId"));
        }
    }
}

public static class RequestsRegistration
{
    /// <summary>The closed loop's services: supervision settings and the timer scheduler, and matching.</summary>
    public static IHostApplicationBuilder AddRequests(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Supervision.SupervisionOptions>(builder.Configuration.GetSection("Supervision"));
        builder.Services.AddSingleton<Supervision.SupervisionScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Supervision.SupervisionScheduler>());
        builder.Services.AddSingleton<Matching.MemberMatcher>();
        builder.Services.AddSingleton<CountyReference>();
        return builder;
    }
}
