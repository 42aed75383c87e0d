using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Dispatch.Requests;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Supervision;

/// <summary>One area's supervision figures: open requests, those at risk, overdue, open escalations and whistles.</summary>
public sealed record SupervisionRow(Guid? AreaId, string AreaName, int Open, int AtRisk, int Overdue, int EscalationsOpen, int WhistlesOpen);

public sealed record SupervisionSummary(string Level, DateTimeOffset At, SupervisionRow Total, IReadOnlyList<SupervisionRow> Areas);

public sealed record EscalationResponse(
    Guid Id, Guid RequestId, string Level, Guid? AreaId, string Reason, string? Note, DateTimeOffset OpenedAt, DateTimeOffset RespondBy, string Status,
    DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, string? Response, DateTimeOffset? ClosedAt)
{
    public static EscalationResponse From(Escalation e) =>
        new(e.Id, e.RequestId, e.Level, e.AreaId, e.Reason, e.Note, e.OpenedAt, e.RespondBy, e.Status, e.AcknowledgedAt, e.AcknowledgedBy, e.Response, e.ClosedAt);
}

public sealed record AcknowledgeEscalationRequest(string? By, [Required] string? Response);

/// <summary>
/// The supervisor's view (监单): everything at risk or overdue, per community, street and county;
/// the escalation chain of every request and its acknowledgement by the level now responsible.
/// </summary>
public static class SupervisionApi
{
    public static RouteGroupBuilder MapSupervisionApi(this RouteGroupBuilder county)
    {
        var supervision = county.MapGroup("/supervision").WithTags("Supervision");
        supervision.MapGet("/summary", Summary).WithName("dispatch.GetSupervisionSummary")
            .WithSummary("Open, at-risk and overdue requests, open escalations and whistles per community, street or for the county");
        supervision.MapGet("/requests", AtRiskOrOverdue).WithName("dispatch.ListSupervisedRequests")
            .WithSummary("The requests at risk (in the last part of a deadline's window) or overdue");
        var escalations = county.MapGroup("/escalations").WithTags("Supervision");
        escalations.MapGet("/", ListEscalations).WithName("dispatch.ListEscalations").WithSummary("Escalations by request, level, area or status");
        escalations.MapPost("/{id:guid}/acknowledge", AcknowledgeEscalation).RequireRoles(PlatformRoles.Dispatchers).WithName("dispatch.AcknowledgeEscalation")
            .WithSummary("The level now responsible acknowledges an escalation and says what it will do");
        county.MapWhistlesApi();
        return county;
    }

    private static async Task<Results<Ok<SupervisionSummary>, ValidationProblem>> Summary(
        string? level, DispatchDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        level ??= "community";
        if (level is not ("community" or "street" or "county"))
        {
            return new ValidationErrors().Add("level", "'level' must be one of community, street, county.").ToProblem();
        }
        var now = clock.GetUtcNow();
        var open = RequestStatus.Open.ToArray();
        var requests = await db.Requests.AsNoTracking().Where(r => open.Contains(r.Status))
            .Select(r => new { r.CommunityId, r.StreetId, r.RespondedAt, r.ResponseWarnAt, r.CompletionWarnAt, r.ResponseOverdueAt, r.CompletionOverdueAt })
            .ToListAsync(cancellationToken);
        var escalations = await db.Escalations.AsNoTracking().Where(e => e.Status == "open" || e.Status == "acknowledged")
            .Join(db.Requests, e => e.RequestId, r => r.Id, (e, r) => new { r.CommunityId, r.StreetId }).ToListAsync(cancellationToken);
        var whistles = await db.Whistles.AsNoTracking().Where(w => w.Status != "reported").Select(w => w.AreaId).ToListAsync(cancellationToken);
        var areas = await db.Areas.AsNoTracking().Where(a => a.Level == "community" || a.Level == "village" || a.Level == "street" || a.Level == "township")
            .Select(a => new { a.Id, a.Name, a.Level, a.ParentId }).ToListAsync(cancellationToken);
        var streetOf = areas.Where(a => a.Level is "community" or "village").ToDictionary(a => a.Id, a => a.ParentId);

        Guid? KeyOf(Guid community, Guid? street) => level switch { "community" => community, "street" => street, _ => null };
        var rows = new Dictionary<Guid, (int Open, int AtRisk, int Overdue, int Escalations, int Whistles)>();
        void Bump(Guid? key, int open = 0, int atRisk = 0, int overdue = 0, int escalationsOpen = 0, int whistlesOpen = 0)
        {
            var k = key ?? Guid.Empty;
            var row = rows.GetValueOrDefault(k);
            rows[k] = (row.Open + open, row.AtRisk + atRisk, row.Overdue + overdue, row.Escalations + escalationsOpen, row.Whistles + whistlesOpen);
        }
        foreach (var r in requests)
        {
            var overdue = r.ResponseOverdueAt is not null || r.CompletionOverdueAt is not null;
            var warnAt = r.RespondedAt is null ? r.ResponseWarnAt : r.CompletionWarnAt;
            var atRisk = !overdue && warnAt <= now;
            Bump(KeyOf(r.CommunityId, r.StreetId), open: 1, atRisk: atRisk ? 1 : 0, overdue: overdue ? 1 : 0);
        }
        foreach (var e in escalations)
        {
            Bump(KeyOf(e.CommunityId, e.StreetId), escalationsOpen: 1);
        }
        foreach (var areaId in whistles)
        {
            var isStreet = !streetOf.ContainsKey(areaId);
            Bump(level switch { "community" => isStreet ? null : areaId, "street" => isStreet ? areaId : streetOf[areaId], _ => null }, whistlesOpen: 1);
        }
        var names = areas.ToDictionary(a => a.Id, a => a.Name);
        var list = rows.Where(p => level == "county" || p.Key != Guid.Empty)
            .Select(p => new SupervisionRow(p.Key == Guid.Empty ? null : p.Key, p.Key == Guid.Empty ? "" : names.GetValueOrDefault(p.Key, ""), p.Value.Open, p.Value.AtRisk, p.Value.Overdue, p.Value.Escalations, p.Value.Whistles))
            .OrderByDescending(r => r.Overdue).ThenByDescending(r => r.AtRisk).ThenBy(r => r.AreaName, StringComparer.Ordinal).ToList();
        var total = new SupervisionRow(null, "", requests.Count, rows.Values.Sum(v => v.AtRisk), rows.Values.Sum(v => v.Overdue), escalations.Count, whistles.Count);
        return TypedResults.Ok(new SupervisionSummary(level, now, total, level == "county" ? [] : list));
    }

    private static async Task<Results<Ok<Page<RequestResponse>>, ValidationProblem>> AtRiskOrOverdue(
        string? state, Guid? communityId, Guid? streetId, int? page, int? pageSize, DispatchDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        state ??= "overdue";
        if (state is not ("at_risk" or "overdue"))
        {
            errors.Add("state", "'state' must be one of at_risk, overdue.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var now = clock.GetUtcNow();
        var open = RequestStatus.Open.ToArray();
        var query = db.Requests.AsNoTracking().Where(r => open.Contains(r.Status));
        query = communityId is { } c ? query.Where(r => r.CommunityId == c) : query;
        query = streetId is { } s ? query.Where(r => r.StreetId == s) : query;
        if (state == "overdue")
        {
            query = query.Where(r => r.ResponseOverdueAt != null || r.CompletionOverdueAt != null);
        }
        else
        {
            // In the last part of the window of the deadline it is working to, and not yet past it.
            query = query.Where(r => r.ResponseOverdueAt == null && r.CompletionOverdueAt == null &&
                (r.RespondedAt == null ? r.ResponseWarnAt <= now : r.CompletionWarnAt <= now));
        }
        return TypedResults.Ok(await RequestsApi.PageAsync(db, query.OrderBy(r => r.CompletionDueAt).ThenBy(r => r.Id), paging, cancellationToken));
    }

    private static async Task<Results<Ok<Page<EscalationResponse>>, ValidationProblem>> ListEscalations(
        Guid? requestId, string? level, Guid? areaId, string? status, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (level is not (null or "community" or "street" or "county"))
        {
            errors.Add("level", "'level' must be one of community, street, county.");
        }
        if (status is not (null or "open" or "acknowledged" or "superseded" or "closed"))
        {
            errors.Add("status", "'status' must be one of open, acknowledged, superseded, closed.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.Escalations.AsNoTracking();
        query = requestId is { } r ? query.Where(e => e.RequestId == r) : query;
        query = level is not null ? query.Where(e => e.Level == level) : query;
        query = areaId is { } a ? query.Where(e => e.AreaId == a) : query;
        query = status is not null ? query.Where(e => e.Status == status) : query;
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(e => e.OpenedAt).ThenBy(e => e.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<EscalationResponse>(items.Select(EscalationResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<EscalationResponse>, ValidationProblem, ProblemHttpResult>> AcknowledgeEscalation(
        Guid id, AcknowledgeEscalationRequest body, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("by", body.By, maxLength: 50);
        errors.RequireText("response", body.Response, maxLength: 1000);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var escalation = await db.Escalations.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (escalation is null)
        {
            return Problems.ResourceNotFound("escalation", id);
        }
        if (escalation.Status != "open")
        {
            return DispatchProblems.Illegal("escalation", "acknowledge", escalation.Status);
        }
        // The level now responsible answers: a community's officer does not answer for the street or the county.
        var actor = Actor.From(http);
        if (PlatformRoles.Dispatchers.Contains(actor.Role) && !EscalationLevels.Answers(actor.Role, escalation.Level))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, AccessProblemCodes.RoleNotAllowed, "Forbidden",
                $"A {actor.Role.Replace('_', ' ')} does not answer an escalation at {escalation.Level} level.", "X-Actor-Role");
        }
        var (work, _) = await RequestFlow.FindAsync(db, null, escalation.RequestId, cancellationToken);
        var now = clock.GetUtcNow();
        escalation.Status = "acknowledged";
        escalation.AcknowledgedAt = now;
        escalation.AcknowledgedBy = body.By?.Trim();
        escalation.Response = body.Response!.Trim();
        RequestFlow.Record(db, work!, "escalation_acknowledged", work!.Request.Status, Actor.From(http) with { Name = body.By?.Trim() ?? Actor.From(http).Name }, now,
            $"{escalation.Level}: {escalation.Response}");
        if (await RequestFlow.SaveAsync(db, cancellationToken) is { } conflict)
        {
            return conflict;
        }
        return TypedResults.Ok(EscalationResponse.From(escalation));
    }
}
