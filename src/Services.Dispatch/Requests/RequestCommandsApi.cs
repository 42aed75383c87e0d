using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts.Dispatch;
using Platform.Dispatch.Activities;
using Platform.Dispatch.Supervision;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Requests;

/// <param name="Tier">simple (answered at once), ordinary (closed within a limit) or complex (escalated to the street for study).</param>
/// <param name="Mode">member (a named member), unit (a unit organisation), pool (the paired units' members claim it) or answer (a simple request answered now).</param>
/// <param name="Joint">For the pool: a team request several members claim together.</param>
/// <param name="MaxClaimants">For a joint request: how many may claim it (2–20).</param>
/// <param name="Answer">For mode answer: the answer given to the resident (at most 2000 characters).</param>
/// <param name="Note">For the request's history (at most 500 characters); a complex request's escalation to the street carries it.</param>
public sealed record DispatchRequestRequest(
    [Required] string? Tier, [Required] string? Mode, Guid? MemberId, Guid? UnitId, bool? Joint, int? MaxClaimants, IReadOnlyList<string>? Skills, string? Answer, string? Note);

/// <param name="MemberId">The member acting, or acted for; staff and unit secretaries may leave it out where the command allows.</param>
/// <param name="Note">For the request's history (at most 500 characters).</param>
/// <remarks>The body may be left out, as all its fields: no member named and no note (claim and adopt then answer 400 naming memberId).</remarks>
public sealed record MemberCommandRequest(Guid? MemberId, string? Note)
{
    public static readonly MemberCommandRequest None = new(null, null);
}

public sealed record ReasonRequest(Guid? MemberId, [Required] string? Reason);

public sealed record ProgressRequest(Guid? MemberId, [Required] string? Note, IReadOnlyList<string>? Evidence);

public sealed record CompleteRequestRequest(Guid? MemberId, [Required] string? Result, IReadOnlyList<string>? Evidence);

/// <param name="Satisfaction">satisfied, basically_satisfied or dissatisfied.</param>
/// <param name="Resolved">Whether the matter is actually fixed (default true); false reopens it whatever the satisfaction.</param>
/// <param name="RatedBy">resident, or staff recording the resident's rating at the return visit (回访).</param>
public sealed record RateRequestRequest([Required] string? Satisfaction, bool? Resolved, string? Comment, string? RatedBy);

public sealed record CancelRequestRequest([Required] string? Reason, Guid? DuplicateOf);

public sealed record ExtensionRequest(Guid? MemberId, [Required] DateTimeOffset? ProposedDueAt, [Required] string? Reason);

/// <param name="Note">The community's reasons (at most 500 characters).</param>
public sealed record DecisionRequest(string? Note)
{
    public static readonly DecisionRequest None = new((string?)null);
}

public sealed record ExtensionResponse(
    Guid Id, Guid RequestId, DateTimeOffset RequestedAt, Guid? RequestedByMemberId, string Reason, DateTimeOffset CurrentDueAt, DateTimeOffset ProposedDueAt,
    string Status, DateTimeOffset? DecidedAt, string? DecisionNote)
{
    public static ExtensionResponse From(RequestExtension e) =>
        new(e.Id, e.RequestId, e.RequestedAt, e.RequestedByMemberId, e.Reason, e.CurrentDueAt, e.ProposedDueAt, e.Status, e.DecidedAt, e.DecisionNote);
}

/// <summary>
/// The closed loop's commands, one explicit POST per move (派单, 接单/领单, 办结, 评单 ...). A move the
/// request's state does not allow answers 409 <c>illegal_transition</c> with the current state.
/// </summary>
public static class RequestCommandsApi
{
    /// <summary>The longest note a command takes (dispatch, claim, accept, start, an extension's decision): an escalation's note holds no more.</summary>
    public const int NoteLength = 500;

    public static RouteGroupBuilder MapRequestCommandsApi(this RouteGroupBuilder county)
    {
        var requests = county.MapGroup("/requests/{id:guid}").WithTags("Requests");
        requests.MapPost("/dispatch", Dispatch).RequireRoles(PlatformRoles.Dispatchers).WithName("dispatch.DispatchRequest").WithSummary("Triage and dispatch (派单): to a member, a unit or the claim pool, or answer at once")
            .WithRequestExample(new { tier = "ordinary", mode = "pool", note = "请结对单位党员认领" });
        requests.MapPost("/claim", Claim).RequireRoles(PlatformRoles.Holders).WithName("dispatch.ClaimRequest").WithSummary("A member claims the request from the pool (领单); exactly one wins a contested claim")
            .WithRequestExample(new { memberId = "01a206e3-9482-7d10-b3c4-5e6f7a8b9c0d" });
        requests.MapPost("/accept", Accept).RequireRoles(PlatformRoles.Holders).WithName("dispatch.AcceptRequest").WithSummary("The named member or unit accepts the request (接单)");
        requests.MapPost("/decline", Decline).RequireRoles(PlatformRoles.Holders).WithName("dispatch.DeclineRequest").WithSummary("The named member or unit declines it, with a reason; it returns to the community");
        requests.MapPost("/start", Start).RequireRoles(PlatformRoles.Holders).WithName("dispatch.StartRequest").WithSummary("The holder starts work");
        requests.MapPost("/hand-back", HandBack).RequireRoles(PlatformRoles.Holders).WithName("dispatch.HandBackRequest").WithSummary("A holder hands the request back with a reason");
        requests.MapPost("/progress", Progress).RequireRoles(PlatformRoles.Holders).WithName("dispatch.RecordRequestProgress").WithSummary("Record a progress note with evidence");
        requests.MapPost("/complete", Complete).RequireRoles(PlatformRoles.Holders).WithName("dispatch.CompleteRequest").WithSummary("The holder completes the work (办结) and records the result")
            .WithRequestExample(new { memberId = "01a206e3-9482-7d10-b3c4-5e6f7a8b9c0d", result = "已更换楼道声控灯2盏，现已正常使用", evidence = new[] { "https://files.example.cn/photos/after.jpg" } });
        requests.MapPost("/rate", Rate).RequireRoles(PlatformRoles.Raters).WithName("dispatch.RateRequest").WithSummary("The resident rates the result at the return visit (评单/回访); dissatisfied or not fixed reopens it")
            .WithRequestExample(new { satisfaction = "satisfied", resolved = true, comment = "修得很快，谢谢", ratedBy = "resident" });
        requests.MapPost("/reopen", Reopen).RequireRoles(PlatformRoles.Reopeners).WithName("dispatch.ReopenRequest").WithSummary("Reopen a completed or closed request that is not actually fixed");
        requests.MapPost("/cancel", Cancel).RequireRoles(PlatformRoles.Dispatchers).WithName("dispatch.CancelRequest").WithSummary("Withdraw a request before work begins (e.g. a duplicate)");
        requests.MapPost("/escalate", Escalate).RequireRoles(PlatformRoles.Dispatchers).WithName("dispatch.EscalateRequest").WithSummary("Escalate the request one level up (grid → community → street → county)");
        requests.MapPost("/extensions", RequestExtension).RequireRoles(PlatformRoles.Holders).WithName("dispatch.RequestExtension").WithSummary("Ask for more time, before the completion deadline");
        requests.MapGet("/extensions", ListExtensions).WithName("dispatch.ListExtensions").WithSummary("The request's extension requests");
        requests.MapGet("/extensions/{extensionId:guid}", GetExtension).WithName("dispatch.GetExtension").WithSummary("One extension request of the request (where asking for one points)");
        requests.MapPost("/extensions/{extensionId:guid}/approve", ApproveExtension).RequireRoles(PlatformRoles.Dispatchers).WithName("dispatch.ApproveExtension").WithSummary("The community approves an extension: the deadline moves");
        requests.MapPost("/extensions/{extensionId:guid}/reject", RejectExtension).RequireRoles(PlatformRoles.Dispatchers).WithName("dispatch.RejectExtension").WithSummary("The community rejects an extension");
        return county;
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Dispatch(
        Guid id, DispatchRequestRequest body, DispatchDbContext db, CountyReference reference, TimeProvider clock, IOptions<SupervisionOptions> options,
        HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (body.Tier is null || !RequestVocabulary.Tiers.Contains(body.Tier))
        {
            errors.Add("tier", $"'tier' must be one of {RequestVocabulary.Choices(RequestVocabulary.Tiers)}.");
        }
        if (body.Mode is null || !RequestVocabulary.DispatchModes.Contains(body.Mode))
        {
            errors.Add("mode", $"'mode' must be one of {RequestVocabulary.Choices(RequestVocabulary.DispatchModes)}.");
        }
        if (body.Mode == "member" && body.MemberId is null)
        {
            errors.Add("memberId", "'memberId' is required to dispatch to a member.");
        }
        if (body.Mode == "unit" && body.UnitId is null)
        {
            errors.Add("unitId", "'unitId' is required to dispatch to a unit.");
        }
        // What the mode does not use is refused rather than silently dropped: the dispatcher meant something by it.
        if (body.Mode is not null and not "member" && body.MemberId is not null)
        {
            errors.Add("memberId", $"'memberId' is for dispatching to a member, not with mode '{body.Mode}'.");
        }
        if (body.Mode is not null and not "unit" && body.UnitId is not null)
        {
            errors.Add("unitId", $"'unitId' is for dispatching to a unit (a member's unit is their own), not with mode '{body.Mode}'.");
        }
        if (body.Mode is not null and not "answer" && body.Answer is not null)
        {
            errors.Add("answer", $"'answer' is for answering the request at once (mode answer), not with mode '{body.Mode}'.");
        }
        if (body.Mode == "answer")
        {
            errors.RequireText("answer", body.Answer, maxLength: 2000);
            if (body.Tier is not (null or "simple"))
            {
                errors.Add("tier", "Only a simple request is answered at once.");
            }
        }
        if (body.Joint == true && body.Mode != "pool")
        {
            errors.Add("joint", "Only a request published to the pool is claimed jointly.");
        }
        if (body.MaxClaimants is { } max && (body.Joint != true || max is < 2 or > 20))
        {
            errors.Add("maxClaimants", "'maxClaimants' is for joint requests and must be between 2 and 20.");
        }
        errors.OptionalText("note", body.Note, maxLength: NoteLength);
        RequestsApi.ValidateSkills(errors, body.Skills);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "dispatch", RequestStatus.Placed, RequestStatus.Assigned, RequestStatus.Pooled);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        Guid? unitId = null;
        if (body.Mode == "member")
        {
            var (member, memberProblem) = await ReplicaReferences.FindActiveMemberAsync(db, "memberId", body.MemberId!.Value, cancellationToken);
            if (memberProblem is not null)
            {
                return memberProblem;
            }
            unitId = member!.UnitId;
        }
        if (body.Mode == "unit")
        {
            if (await ReplicaReferences.CheckUnitAsync(db, "unitId", body.UnitId!.Value, cancellationToken) is { } unitProblem)
            {
                return unitProblem;
            }
            unitId = body.UnitId;
        }

        var now = clock.GetUtcNow();
        var from = request.Status;
        var note = RequestFlow.Trimmed(body.Note);
        var settings = (await reference.GetAsync(db, request.CountyId, cancellationToken)).SettingsAt(now);
        request.Tier = body.Tier;
        request.DispatchMode = body.Mode;
        request.DispatchedAt = now;
        request.AssigneeMemberId = body.Mode == "member" ? body.MemberId : null;
        request.AssigneeUnitId = unitId;
        request.Joint = body.Joint ?? false;
        request.MaxClaimants = request.Joint ? body.MaxClaimants ?? 5 : 1;
        if (body.Skills is { Count: > 0 } skills)
        {
            request.Skills = [.. skills.Select(s => s.Trim())];
        }
        request.Status = body.Mode switch
        {
            "member" or "unit" => RequestStatus.Assigned,
            "pool" => RequestStatus.Pooled,
            _ => RequestStatus.Completed,
        };
        if (body.Mode == "answer")
        {
            request.RespondedAt = now;
            request.CompletedAt = now;
            request.Result = body.Answer!.Trim();
            // Answered, it is finished: any step of its escalation closes, as at completion.
            await Escalations.CloseAsync(db, request.Id, now, cancellationToken);
        }
        Deadlines.Apply(db, request, Deadlines.Tier(settings, body.Tier!), options.Value, now);
        var actor = Actor.From(http);
        var facts = RequestFlow.Record(db, work, body.Mode == "answer" ? "answer" : "dispatch", from, actor, now, note ?? (body.Mode == "answer" ? request.Result : null));
        db.Outbox.Publish(new RequestDispatched(request.CountyId, facts, body.Mode!, request.AssigneeMemberId, unitId, now));
        if (body.Mode == "answer")
        {
            db.Outbox.Publish(new RequestCompleted(request.CountyId, facts, request.Result!, OnTime: now <= request.CompletionDueAt, now));
        }
        else if (body.Tier == "complex" && request.EscalationLevel is EscalationLevels.None or EscalationLevels.Community)
        {
            // 复杂问题上报研判: a complex matter goes up to the street or township for study at once.
            await Escalations.RaiseAsync(db, work, "complex", note, actor, options.Value, now, cancellationToken, EscalationLevels.Street);
        }
        return await SaveAsync(db, http, work, cancellationToken);
    }

    internal static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Claim(
        Guid id, MemberCommandRequest? body, DispatchDbContext db, CountyReference reference, ITenantContext tenant, TimeProvider clock, HttpContext http,
        CancellationToken cancellationToken)
    {
        body ??= MemberCommandRequest.None;
        var errors = new ValidationErrors();
        if (body.MemberId is null)
        {
            errors.Add("memberId", "'memberId' is required.");
        }
        errors.OptionalText("note", body.Note, maxLength: NoteLength);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var memberId = body.MemberId!.Value;
        for (var attempt = 1; ; attempt++)
        {
            var (work, problem) = await RequestFlow.FindAsync(db, http, id, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
            var request = work!.Request;
            var joining = request.Joint && request.Status is RequestStatus.Claimed or RequestStatus.InProgress;
            if (!joining && RequestFlow.Expect(request, "claim", RequestStatus.Pooled) is { } illegal)
            {
                return illegal;
            }
            if (work.IsHeldBy(memberId))
            {
                return Problems.Conflict("request_already_held", "The member already holds this request.", "memberId");
            }
            if (joining && work.Holders.Count() >= request.MaxClaimants)
            {
                return Problems.Conflict("request_team_full", $"All {request.MaxClaimants} places of this team request are taken.");
            }
            var (member, memberProblem) = await ReplicaReferences.FindActiveMemberAsync(db, "memberId", memberId, cancellationToken);
            if (memberProblem is not null)
            {
                return memberProblem;
            }
            var now = clock.GetUtcNow();
            if (!request.IsMicroWish && !await MayClaimAsync(db, member!, request, ActivityCalendar.Of(tenant.County).DateOf(now), cancellationToken))
            {
                return Problems.Unprocessable("member_not_eligible",
                    "Only members of units paired with the request's community, or members living in it, claim from its pool (micro-wishes: any member).", "memberId");
            }

            var from = request.Status;
            work.Claimants.Add(new RequestClaimant { Id = Guid.CreateVersion7(now), CountyId = request.CountyId, RequestId = id, MemberId = memberId, UnitId = member!.UnitId, ClaimedAt = now });
            db.RequestClaimants.Add(work.Claimants[^1]);
            if (!joining)
            {
                request.Status = RequestStatus.Claimed;
                request.AssigneeUnitId = member.UnitId;
                request.ClaimStartDueAt = now.AddHours(Deadlines.ClaimStartLimitHours((await reference.GetAsync(db, request.CountyId, cancellationToken)).SettingsAt(now)));
                Deadlines.Add(db, request.CountyId, id, TimerKinds.ClaimStart, request.ClaimStartDueAt.Value);
            }
            request.RespondedAt ??= now;
            var facts = RequestFlow.Record(db, work, request.IsMicroWish ? "adopt" : "claim", from, Actor.From(http).AsMember(memberId), now, RequestFlow.Trimmed(body.Note));
            db.Outbox.Publish(new RequestClaimed(request.CountyId, facts, memberId, member.UnitId, request.Joint, now));
            var (raced, saveProblem) = await RequestFlow.TrySaveAsync(db, cancellationToken);
            if (saveProblem is not null)
            {
                return saveProblem;
            }
            if (!raced)
            {
                ETags.Tag(http, request);
                return TypedResults.Ok(RequestResponse.From(request, work.Holders, maskPhone: false));
            }
            // Of two claims racing, the second finds the request's version moved on: of a pool claim exactly one
            // wins; a team request's places are taken one change at a time, so read it again and take one that is
            // left (each lost race means another change was saved, in a burst of claims a place taken).
            if (!request.Joint)
            {
                return Problems.Conflict("request_already_claimed", "Another member claimed this request first.");
            }
            if (attempt > request.MaxClaimants)
            {
                return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "The request changed meanwhile; read it again and retry.");
            }
            db.ChangeTracker.Clear();
        }
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Accept(
        Guid id, MemberCommandRequest? body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        body ??= MemberCommandRequest.None;
        var errors = new ValidationErrors();
        RequireMemberActingForThemself(errors, http, body.MemberId);
        errors.OptionalText("note", body.Note, maxLength: NoteLength);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "accept", RequestStatus.Assigned);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        if (body.MemberId is null && request.AssigneeMemberId is null)
        {
            return errors.Add("memberId", "'memberId' is required: name which of the unit's members does the work.").ToProblem();
        }
        if (body.MemberId is { } named && await CheckAssigneeAsync(db, request, named, cancellationToken) is { } notAssignee)
        {
            return notAssignee;
        }
        var memberId = body.MemberId ?? request.AssigneeMemberId!.Value;
        var now = clock.GetUtcNow();
        var claimant = new RequestClaimant { Id = Guid.CreateVersion7(now), CountyId = request.CountyId, RequestId = id, MemberId = memberId, UnitId = request.AssigneeUnitId, ClaimedAt = now };
        work.Claimants.Add(claimant);
        db.RequestClaimants.Add(claimant);
        request.Status = RequestStatus.Claimed;
        request.RespondedAt ??= now;
        var facts = RequestFlow.Record(db, work, "accept", RequestStatus.Assigned, Actor.From(http).AsMember(memberId), now, RequestFlow.Trimmed(body.Note));
        db.Outbox.Publish(new RequestClaimed(request.CountyId, facts, memberId, request.AssigneeUnitId, Joint: false, now));
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Decline(
        Guid id, ReasonRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        RequireMemberActingForThemself(errors, http, body.MemberId);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "decline", RequestStatus.Assigned);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        if (body.MemberId is { } named && await CheckAssigneeAsync(db, request, named, cancellationToken) is { } notAssignee)
        {
            return notAssignee;
        }
        var (memberId, unitId) = (request.AssigneeMemberId, request.AssigneeUnitId);
        var now = clock.GetUtcNow();
        request.Status = RequestStatus.Placed;
        request.AssigneeMemberId = null;
        request.AssigneeUnitId = null;
        request.DispatchMode = null;
        var reason = body.Reason!.Trim();
        var facts = RequestFlow.Record(db, work, "decline", RequestStatus.Assigned, ActorFor(http, body.MemberId), now, reason);
        db.Outbox.Publish(new RequestReleased(request.CountyId, facts, memberId, unitId, "declined", reason, now));
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Start(
        Guid id, MemberCommandRequest? body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        body ??= MemberCommandRequest.None;
        var errors = new ValidationErrors();
        RequireMemberActingForThemself(errors, http, body.MemberId);
        errors.OptionalText("note", body.Note, maxLength: NoteLength);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "start", RequestStatus.Claimed);
        if (problem is not null)
        {
            return problem;
        }
        if (CheckHolder(work, body.MemberId) is { } notHolder)
        {
            return notHolder;
        }
        var now = clock.GetUtcNow();
        work.Request.Status = RequestStatus.InProgress;
        work.Request.StartedAt ??= now;
        work.Request.ClaimStartDueAt = null;
        RequestFlow.Record(db, work, "start", RequestStatus.Claimed, ActorFor(http, body.MemberId), now, RequestFlow.Trimmed(body.Note));
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> HandBack(
        Guid id, ReasonRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        RequireMemberActingForThemself(errors, http, body.MemberId);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "hand back", RequestStatus.Claimed, RequestStatus.InProgress);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        if (work.Holders.Any() && body.MemberId is null)
        {
            return new ValidationErrors().Add("memberId", "'memberId' is required: name the holder handing the request back.").ToProblem();
        }
        if (CheckHolder(work, body.MemberId) is { } notHolder)
        {
            return notHolder;
        }
        var now = clock.GetUtcNow();
        var from = request.Status;
        var releasedUnit = request.AssigneeUnitId;
        if (work.Holders.FirstOrDefault(c => c.MemberId == body.MemberId) is { } claimant)
        {
            claimant.ReleasedAt = now;
            claimant.ReleaseReason = "handed_back";
            releasedUnit = claimant.UnitId;
        }
        if (!work.Holders.Any())
        {
            // Nobody holds it any more: back to the pool it came from, or to the community to dispatch again.
            request.Status = request.DispatchMode == "pool" ? RequestStatus.Pooled : RequestStatus.Placed;
            request.AssigneeMemberId = null;
            request.AssigneeUnitId = null;
            request.ClaimStartDueAt = null;
            request.DispatchMode = request.DispatchMode == "pool" ? "pool" : null;
        }
        var reason = body.Reason!.Trim();
        var facts = RequestFlow.Record(db, work, "hand_back", from, ActorFor(http, body.MemberId), now, reason);
        db.Outbox.Publish(new RequestReleased(request.CountyId, facts, body.MemberId, releasedUnit, "handed_back", reason, now));
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Progress(
        Guid id, ProgressRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("note", body.Note, maxLength: 2000);
        Evidence.Validate(errors, "evidence", body.Evidence);
        RequireMemberActingForThemself(errors, http, body.MemberId);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "record progress on", RequestStatus.Claimed, RequestStatus.InProgress);
        if (problem is not null)
        {
            return problem;
        }
        if (CheckHolder(work, body.MemberId) is { } notHolder)
        {
            return notHolder;
        }
        RequestFlow.Record(db, work, "progress", work.Request.Status, ActorFor(http, body.MemberId), clock.GetUtcNow(), body.Note!.Trim(), body.Evidence);
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Complete(
        Guid id, CompleteRequestRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("result", body.Result, maxLength: 2000);
        Evidence.Validate(errors, "evidence", body.Evidence);
        RequireMemberActingForThemself(errors, http, body.MemberId);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "complete", RequestStatus.Claimed, RequestStatus.InProgress);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        if (CheckHolder(work, body.MemberId) is { } notHolder)
        {
            return notHolder;
        }
        var now = clock.GetUtcNow();
        var from = request.Status;
        request.Status = RequestStatus.Completed;
        request.StartedAt ??= now;
        request.CompletedAt = now;
        request.ClaimStartDueAt = null;
        request.Result = body.Result!.Trim();
        request.ResultEvidence = [.. body.Evidence ?? []];
        // The deadline a pending extension would move no longer binds: it is withdrawn, and a reopened request asks anew.
        foreach (var pending in await db.RequestExtensions.Where(e => e.RequestId == id && e.Status == "pending").ToListAsync(cancellationToken))
        {
            pending.Status = "withdrawn";
            pending.DecidedAt = now;
            pending.DecisionNote = "The request was completed first.";
        }
        var facts = RequestFlow.Record(db, work, "complete", from, ActorFor(http, body.MemberId), now, request.Result, body.Evidence);
        db.Outbox.Publish(new RequestCompleted(request.CountyId, facts, request.Result, OnTime: request.CompletionDueAt is not { } due || now <= due, now));
        await Escalations.CloseAsync(db, id, now, cancellationToken);
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Rate(
        Guid id, RateRequestRequest body, DispatchDbContext db, CountyReference reference, TimeProvider clock, IOptions<SupervisionOptions> options,
        HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (body.Satisfaction is null || !RequestVocabulary.Satisfactions.Contains(body.Satisfaction))
        {
            errors.Add("satisfaction", $"'satisfaction' must be one of {RequestVocabulary.Choices(RequestVocabulary.Satisfactions)}.");
        }
        if (body.RatedBy is not (null or "resident" or "staff"))
        {
            errors.Add("ratedBy", "'ratedBy' must be one of resident, staff.");
        }
        errors.OptionalText("comment", body.Comment, maxLength: 500);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "rate", RequestStatus.Completed);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        var now = clock.GetUtcNow();
        var resolved = body.Resolved ?? true;
        request.Satisfaction = body.Satisfaction;
        request.Resolved = resolved;
        request.RatedAt = now;
        var comment = RequestFlow.Trimmed(body.Comment);
        var actor = Actor.From(http) is { Role: "integrator" } caller ? caller with { Role = body.RatedBy == "staff" ? "community_officer" : "resident" } : Actor.From(http);
        if (body.Satisfaction != "dissatisfied" && resolved)
        {
            request.Status = RequestStatus.Closed;
            request.ClosedAt = now;
            var facts = RequestFlow.Record(db, work, "rate", RequestStatus.Completed, actor, now, $"{body.Satisfaction}" + (comment is null ? "" : ": " + comment));
            db.Outbox.Publish(new RequestRated(request.CountyId, facts, body.Satisfaction!, resolved, comment, now));
        }
        else
        {
            var reason = resolved ? "dissatisfied" : "not_fixed";
            var facts = ReopenCore(db, work, RequestStatus.Completed, actor, reason, comment, options.Value, now, (await reference.GetAsync(db, request.CountyId, cancellationToken)).SettingsAt(now));
            db.Outbox.Publish(new RequestRated(request.CountyId, facts, body.Satisfaction!, resolved, comment, now));
            db.Outbox.Publish(new RequestReopened(request.CountyId, facts, reason, now));
        }
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Reopen(
        Guid id, ReasonRequest body, DispatchDbContext db, CountyReference reference, TimeProvider clock, IOptions<SupervisionOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "reopen", RequestStatus.Completed, RequestStatus.Closed);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        var now = clock.GetUtcNow();
        request.Resolved = false;
        var reason = body.Reason!.Trim();
        var facts = ReopenCore(db, work, request.Status, Actor.From(http), "not_fixed", reason, options.Value, now, (await reference.GetAsync(db, request.CountyId, cancellationToken)).SettingsAt(now));
        db.Outbox.Publish(new RequestReopened(request.CountyId, facts, reason, now));
        return await SaveAsync(db, http, work, cancellationToken);
    }

    /// <summary>
    /// Back to work (closed ≠ resolved): the holders keep it, or it returns to the community when
    /// nobody holds it; a new completion deadline of the tier's length counts from now.
    /// </summary>
    private static RequestFacts ReopenCore(
        DispatchDbContext db, RequestWork work, string from, Actor actor, string reason, string? note, SupervisionOptions options, DateTimeOffset now, Contracts.Registry.CountySettings? settings)
    {
        var request = work.Request;
        request.Status = work.Holders.Any() || request.AssigneeUnitId is not null ? RequestStatus.InProgress : RequestStatus.Placed;
        request.ReopenCount++;
        request.CompletedAt = null;
        request.ClosedAt = null;
        request.CompletionRemindedAt = null;
        request.CompletionOverdueAt = null;
        request.CompletionCountsFrom = now;
        request.CompletionDueAt = now.AddHours(Deadlines.Tier(settings, request.Tier ?? "ordinary").CompletionHours);
        Deadlines.Schedule(db, request, options, now, response: false);
        return RequestFlow.Record(db, work, "reopen", from, actor, now, note is null ? reason : $"{reason}: {note}");
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Cancel(
        Guid id, CancelRequestRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "cancel", RequestStatus.Placed, RequestStatus.Assigned, RequestStatus.Pooled);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        if (body.DuplicateOf is { } original)
        {
            // The matter stays in hand only if the request it is a duplicate of is itself being handled.
            var originalStatus = original == id ? null : await db.Requests.Where(r => r.Id == original).Select(r => r.Status).FirstOrDefaultAsync(cancellationToken);
            if (original == id)
            {
                return Problems.InvalidReference("duplicateOf", "cannot name the request itself");
            }
            if (originalStatus is null)
            {
                return Problems.MissingReference("duplicateOf", "request", original);
            }
            if (originalStatus == RequestStatus.Cancelled)
            {
                return Problems.InvalidReference("duplicateOf", "must name a request that is not cancelled: nobody would handle the matter");
            }
        }
        var now = clock.GetUtcNow();
        var from = request.Status;
        request.Status = RequestStatus.Cancelled;
        request.CancelledAt = now;
        request.DuplicateOf = body.DuplicateOf;
        var reason = body.Reason!.Trim();
        var facts = RequestFlow.Record(db, work, "cancel", from, Actor.From(http), now, reason);
        db.Outbox.Publish(new RequestCancelled(request.CountyId, facts, reason, body.DuplicateOf, now));
        await Escalations.CloseAsync(db, id, now, cancellationToken);
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Escalate(
        Guid id, ReasonRequest body, DispatchDbContext db, TimeProvider clock, IOptions<SupervisionOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (!work!.Request.IsOpen)
        {
            return DispatchProblems.Illegal("request", "escalate", work.Request.Status);
        }
        if (await Escalations.RaiseAsync(db, work, "manual", body.Reason!.Trim(), Actor.From(http), options.Value, clock.GetUtcNow(), cancellationToken) is null)
        {
            return Problems.Conflict("escalation_at_top", "The request is already with the county, the top of the chain.");
        }
        return await SaveAsync(db, http, work, cancellationToken);
    }

    private static async Task<Results<Created<ExtensionResponse>, ValidationProblem, ProblemHttpResult>> RequestExtension(
        Guid id, ExtensionRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        if (body.ProposedDueAt is null)
        {
            errors.Add("proposedDueAt", "'proposedDueAt' is required.");
        }
        RequireMemberActingForThemself(errors, http, body.MemberId);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.BeginAsync(db, http, id, "extend", RequestStatus.Claimed, RequestStatus.InProgress);
        if (problem is not null)
        {
            return problem;
        }
        var request = work!.Request;
        if (CheckHolder(work, body.MemberId) is { } notHolder)
        {
            return notHolder;
        }
        var now = clock.GetUtcNow();
        if (request.CompletionDueAt is not { } due || due <= now)
        {
            return Problems.Conflict("extension_too_late", "An extension must be asked for before the completion deadline passes.");
        }
        if (body.ProposedDueAt <= due)
        {
            return Problems.Unprocessable("extension_not_later", $"'proposedDueAt' must be after the current deadline ({RequestFlow.CalendarOf(http).Text(due)}).", "proposedDueAt");
        }
        if (body.ProposedDueAt > due.AddDays(90))
        {
            return Problems.Unprocessable("extension_too_long", "An extension may add at most 90 days.", "proposedDueAt");
        }
        var extension = new RequestExtension
        {
            Id = Guid.CreateVersion7(now), CountyId = request.CountyId, RequestId = id, RequestedAt = now, RequestedByMemberId = body.MemberId,
            Reason = body.Reason!.Trim(), CurrentDueAt = due, ProposedDueAt = body.ProposedDueAt!.Value,
        };
        db.RequestExtensions.Add(extension);
        RequestFlow.Record(db, work, "extension_requested", request.Status, ActorFor(http, body.MemberId), now, $"to {RequestFlow.CalendarOf(http).Text(extension.ProposedDueAt)}: {extension.Reason}");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (ServiceDefaults.Persistence.PostgresErrors.IsUniqueViolation(exception, "ux_request_extensions_pending"))
        {
            return Problems.Conflict("extension_pending", "An extension of this request is already waiting for a decision.");
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "The request changed meanwhile; read it again and retry.");
        }
        return TypedResults.Created(http.Request.Path.Add($"/{extension.Id}").Value, ExtensionResponse.From(extension));
    }

    private static async Task<Results<Ok<IReadOnlyList<ExtensionResponse>>, ProblemHttpResult>> ListExtensions(Guid id, DispatchDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Requests.AnyAsync(r => r.Id == id, cancellationToken))
        {
            return Problems.ResourceNotFound("request", id);
        }
        var items = await db.RequestExtensions.AsNoTracking().Where(e => e.RequestId == id).OrderBy(e => e.RequestedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ExtensionResponse>>(items.Select(ExtensionResponse.From).ToList());
    }

    private static async Task<Results<Ok<ExtensionResponse>, ProblemHttpResult>> GetExtension(Guid id, Guid extensionId, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var extension = await db.RequestExtensions.AsNoTracking().FirstOrDefaultAsync(e => e.Id == extensionId && e.RequestId == id, cancellationToken);
        if (extension is not null)
        {
            return TypedResults.Ok(ExtensionResponse.From(extension));
        }
        return await db.Requests.AnyAsync(r => r.Id == id, cancellationToken) ? Problems.ResourceNotFound("extension", extensionId) : Problems.ResourceNotFound("request", id);
    }

    private static Task<Results<Ok<ExtensionResponse>, ValidationProblem, ProblemHttpResult>> ApproveExtension(
        Guid id, Guid extensionId, DecisionRequest? body, DispatchDbContext db, TimeProvider clock, IOptions<SupervisionOptions> options, HttpContext http, CancellationToken cancellationToken) =>
        DecideAsync(id, extensionId, body ?? DecisionRequest.None, approve: true, db, clock, options.Value, http, cancellationToken);

    private static Task<Results<Ok<ExtensionResponse>, ValidationProblem, ProblemHttpResult>> RejectExtension(
        Guid id, Guid extensionId, DecisionRequest? body, DispatchDbContext db, TimeProvider clock, IOptions<SupervisionOptions> options, HttpContext http, CancellationToken cancellationToken) =>
        DecideAsync(id, extensionId, body ?? DecisionRequest.None, approve: false, db, clock, options.Value, http, cancellationToken);

    private static async Task<Results<Ok<ExtensionResponse>, ValidationProblem, ProblemHttpResult>> DecideAsync(
        Guid id, Guid extensionId, DecisionRequest body, bool approve, DispatchDbContext db, TimeProvider clock, SupervisionOptions options, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("note", body.Note, maxLength: NoteLength);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (work, problem) = await RequestFlow.FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var extension = await db.RequestExtensions.FirstOrDefaultAsync(e => e.Id == extensionId && e.RequestId == id, cancellationToken);
        if (extension is null)
        {
            return Problems.ResourceNotFound("extension", extensionId);
        }
        if (extension.Status != "pending")
        {
            return DispatchProblems.Illegal("extension", approve ? "approve" : "reject", extension.Status);
        }
        var request = work!.Request;
        if (!request.IsOpen || request.CompletedAt is not null)
        {
            // Completed before the decision (extensions from before completion withdrew then): nothing to move.
            return DispatchProblems.Illegal("request", approve ? "approve an extension of" : "reject an extension of", request.Status);
        }
        var now = clock.GetUtcNow();
        extension.Status = approve ? "approved" : "rejected";
        extension.DecidedAt = now;
        extension.DecisionNote = RequestFlow.Trimmed(body.Note);
        if (approve)
        {
            var previous = request.CompletionDueAt!.Value;
            request.CompletionDueAt = extension.ProposedDueAt;
            request.CompletionRemindedAt = null;
            request.CompletionOverdueAt = null;
            Deadlines.Schedule(db, request, options, now, response: false);
            var calendar = RequestFlow.CalendarOf(http);
            var facts = RequestFlow.Record(db, work, "extension_approved", request.Status, Actor.From(http), now, $"deadline {calendar.Text(previous)} → {calendar.Text(extension.ProposedDueAt)}");
            db.Outbox.Publish(new RequestExtended(request.CountyId, facts, previous, extension.ProposedDueAt, now));
        }
        else
        {
            RequestFlow.Record(db, work, "extension_rejected", request.Status, Actor.From(http), now, extension.DecisionNote);
        }
        if (await RequestFlow.SaveAsync(db, cancellationToken) is { } conflict)
        {
            return conflict;
        }
        return TypedResults.Ok(ExtensionResponse.From(extension));
    }

    /// <summary>Members of units paired with the request's community (a pairing active on the county's today), or members living in it.</summary>
    private static async Task<bool> MayClaimAsync(DispatchDbContext db, RegistryReplica.ReplicaMember member, ServiceRequest request, DateOnly today, CancellationToken cancellationToken)
    {
        if (member.CommunityId == request.CommunityId)
        {
            return true;
        }
        return member.UnitId is { } unit && await db.Pairings.AnyAsync(
            p => p.UnitId == unit && p.CommunityId == request.CommunityId && p.StartsOn <= today && (p.EndsOn == null || p.EndsOn >= today), cancellationToken);
    }

    /// <summary>
    /// A member acting for themself (<c>X-Actor-Role: member</c>) names themself in <c>memberId</c>, which the
    /// command then checks. Staff and unit secretaries may act for the holder without naming them.
    /// </summary>
    private static void RequireMemberActingForThemself(ValidationErrors errors, HttpContext http, Guid? memberId)
    {
        if (memberId is null && Actor.From(http).Role == PlatformRoles.Member)
        {
            errors.Add("memberId", "'memberId' is required when a member acts: name the member.");
        }
    }

    /// <summary>
    /// The member accepting or declining: the one the request was dispatched to, or, dispatched to a unit,
    /// one of the unit's active members (422 otherwise; an unknown member 422 reference_not_found).
    /// </summary>
    private static async Task<ProblemHttpResult?> CheckAssigneeAsync(DispatchDbContext db, ServiceRequest request, Guid memberId, CancellationToken cancellationToken)
    {
        var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == memberId, cancellationToken);
        if (member is null)
        {
            return Problems.MissingReference("memberId", "member", memberId);
        }
        if (request.AssigneeMemberId is { } assignee)
        {
            return memberId == assignee ? null : Problems.Unprocessable("not_the_assignee", "Only the member the request was dispatched to accepts or declines it.", "memberId");
        }
        return member.IsActive && member.UnitId == request.AssigneeUnitId
            ? null
            : Problems.InvalidReference("memberId", "must be an active member of the unit the request was dispatched to");
    }

    /// <summary>When a member is named, they must hold the request (422 otherwise).</summary>
    private static ProblemHttpResult? CheckHolder(RequestWork work, Guid? memberId) =>
        memberId is { } m && !work.IsHeldBy(m) && work.Request.AssigneeMemberId != m
            ? Problems.Unprocessable("not_a_holder", "The member does not hold this request.", "memberId")
            : null;

    private static Actor ActorFor(HttpContext http, Guid? memberId) => memberId is { } m ? Actor.From(http).AsMember(m) : Actor.From(http);

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        DispatchDbContext db, HttpContext http, RequestWork work, CancellationToken cancellationToken, string conflictCode = ProblemCodes.ConcurrencyConflict)
    {
        if (await RequestFlow.SaveAsync(db, cancellationToken, conflictCode) is { } conflict)
        {
            return conflict;
        }
        ETags.Tag(http, work.Request);
        return TypedResults.Ok(RequestResponse.From(work.Request, work.Holders, maskPhone: false));
    }
}
