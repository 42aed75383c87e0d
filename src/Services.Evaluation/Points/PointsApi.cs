using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Periods;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Points;

/// <summary>A member's points under one rule in one month: the ledger's sum and what counts after the rule's cap.</summary>
public sealed record PointsLine(string Month, string RuleCode, int SettingsVersion, decimal Points, decimal? Cap, decimal Counted, int Entries);

public sealed record MemberPointsResponse(Guid MemberId, string Code, string Name, string Period, bool Closed, decimal Total, IReadOnlyList<PointsLine> Lines);

public sealed record LeaderboardResponse(string Period, bool Closed, string Scope, Guid? ScopeId, IReadOnlyList<LeaderboardRow> Items, int Page, int PageSize, long Total);

/// <summary>党员积分: a member's points for a period by month and rule, and leaderboards per grid, community, unit, street and county.</summary>
public static class PointsApi
{
    private static readonly string[] Scopes = ["county", "street", "community", "grid", "unit"];

    public static RouteGroupBuilder MapPointsApi(this RouteGroupBuilder county)
    {
        var points = county.MapGroup("/points").WithTags("Points");
        points.MapGet("/members/{memberId:guid}", Member).WithName("evaluation.GetMemberPoints")
            .WithSummary("A member's points for a month, quarter or year: per month and rule, the ledger's sum and what counts after the cap");
        points.MapGet("/leaderboard", Leaderboard).WithName("evaluation.GetLeaderboard")
            .WithSummary("Members ranked by points in the county, a street, a community, a grid or a unit (ties share a rank, listed by member code)");
        return county;
    }

    private static async Task<Results<Ok<MemberPointsResponse>, ValidationProblem, ProblemHttpResult>> Member(
        Guid memberId, string? period, EvaluationDbContext db, ITenantContext tenant, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == memberId, cancellationToken);
        if (member is null)
        {
            return Problems.ResourceNotFound("member", memberId);
        }
        var tallies = await PointsFigures.StoredTalliesAsync(db, tenant.CountyId!.Value, parsed!.Value.Months, cancellationToken, memberId);
        var closed = await PeriodsApi.ClosedAsync(db, parsed.Value, cancellationToken) is not null;
        var lines = tallies.Select(t => new PointsLine(t.Month, t.RuleCode, t.SettingsVersion, t.Points, t.Cap, t.Capped, t.Entries)).ToList();
        return TypedResults.Ok(new MemberPointsResponse(member.Id, member.Code, member.Name, parsed.Value.Key, closed, lines.Sum(l => l.Counted), lines));
    }

    private static async Task<Results<Ok<LeaderboardResponse>, ValidationProblem, ProblemHttpResult>> Leaderboard(
        string? period, string? scope, Guid? scopeId, int? page, int? pageSize, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        scope ??= "county";
        if (!Scopes.Contains(scope))
        {
            errors.Add("scope", $"'scope' must be one of {string.Join(", ", Scopes)}.");
        }
        else if (scope != "county" && scopeId is null)
        {
            errors.Add("scopeId", $"'scopeId' is required: the {scope}'s id.");
        }
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (scope != "county" && await ScopeProblemAsync(db, scope, scopeId!.Value, cancellationToken) is { } problem)
        {
            return problem;
        }
        var figures = await PeriodFigures.ForAsync(db, tenant.County!, parsed!.Value, clock.GetUtcNow(), cancellationToken);
        var streetCommunities = scope == "street"
            ? (await db.Areas.AsNoTracking().Where(a => a.ParentId == scopeId).Select(a => a.Id).ToListAsync(cancellationToken)).ToHashSet()
            : [];
        IEnumerable<LeaderboardRow> rows = scope switch
        {
            "street" => figures.Leaderboard.Where(r => streetCommunities.Contains(r.CommunityId)),
            "community" => figures.Leaderboard.Where(r => r.CommunityId == scopeId),
            "grid" => figures.Leaderboard.Where(r => r.GridId == scopeId),
            "unit" => figures.Leaderboard.Where(r => r.UnitId == scopeId),
            _ => figures.Leaderboard,
        };
        var ranked = scope == "county" ? figures.Leaderboard : PeriodFigures.Rerank(rows);
        return TypedResults.Ok(new LeaderboardResponse(figures.Period, figures.Closed, scope, scopeId,
            ranked.Skip(request.Skip).Take(request.PageSize).ToList(), request.Page, request.PageSize, ranked.Count));
    }

    /// <summary>404 when the scope's id names nothing of that kind in this county.</summary>
    public static async Task<ProblemHttpResult?> ScopeProblemAsync(EvaluationDbContext db, string scope, Guid id, CancellationToken cancellationToken)
    {
        var found = scope switch
        {
            "unit" => await db.Organisations.AnyAsync(o => o.Id == id, cancellationToken),
            "street" => await db.Areas.AnyAsync(a => a.Id == id && (a.Level == "street" || a.Level == "township"), cancellationToken),
            "community" => await db.Areas.AnyAsync(a => a.Id == id && (a.Level == "community" || a.Level == "village"), cancellationToken),
            _ => await db.Areas.AnyAsync(a => a.Id == id && (a.Level == "grid" || a.Level == "compound"), cancellationToken),
        };
        return found ? null : Problems.ResourceNotFound(scope == "unit" ? "organisation" : scope, id);
    }
}
