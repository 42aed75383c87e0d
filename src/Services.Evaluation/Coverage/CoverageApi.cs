using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Evaluation.Periods;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Coverage;

public sealed record CoverageResponse(string Period, bool Closed, DateTimeOffset AsOf, int ThresholdPercent, int Reported, int Served, decimal? Percent,
    int NonCompliantCount, IReadOnlyList<UnitCoverage> Units, IReadOnlyList<UnitCoverage> UnitsBelowThreshold);

/// <summary>Coverage compliance: every reported member serves in their community at least once a quarter.</summary>
public static class CoverageApi
{
    public static RouteGroupBuilder MapCoverageApi(this RouteGroupBuilder county)
    {
        var coverage = county.MapGroup("/coverage").WithTags("Coverage");
        coverage.MapGet("/", Summary).WithName("evaluation.GetCoverage")
            .WithSummary("A quarter's coverage: reported members who served in their community, per unit, and the units below the county's threshold");
        coverage.MapGet("/non-compliant", NonCompliant).WithName("evaluation.ListNonCompliantMembers")
            .WithSummary("The reported members who did not serve in their community in the quarter, by member code");
        return county;
    }

    private static async Task<(CoverageFigures? Figures, PeriodFigures? Period, ValidationProblem? Problem)> LoadAsync(
        string? period, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken, ValidationErrors? errors = null)
    {
        errors ??= new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Quarter);
        if (!errors.IsValid)
        {
            return (null, null, errors.ToProblem());
        }
        var figures = await PeriodFigures.ForAsync(db, tenant.County!, parsed!.Value, clock.GetUtcNow(), cancellationToken);
        return (figures.Coverage, figures, null);
    }

    private static async Task<Results<Ok<CoverageResponse>, ValidationProblem>> Summary(
        string? period, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (coverage, figures, problem) = await LoadAsync(period, db, tenant, clock, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        return TypedResults.Ok(new CoverageResponse(figures!.Period, figures.Closed, figures.AsOf, coverage!.ThresholdPercent, coverage.Reported, coverage.Served, coverage.Percent,
            coverage.NonCompliant.Count, coverage.Units, coverage.Units.Where(u => u.BelowThreshold).ToList()));
    }

    private static async Task<Results<Ok<Page<NonCompliantMember>>, ValidationProblem>> NonCompliant(
        string? period, Guid? unitId, Guid? communityId, int? page, int? pageSize, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        var (coverage, _, problem) = await LoadAsync(period, db, tenant, clock, cancellationToken, errors);
        if (problem is not null)
        {
            return problem;
        }
        var members = coverage!.NonCompliant.Where(m => (unitId is null || m.UnitId == unitId) && (communityId is null || m.CommunityId == communityId)).ToList();
        return TypedResults.Ok(new Page<NonCompliantMember>(members.Skip(request.Skip).Take(request.PageSize).ToList(), request.Page, request.PageSize, members.Count));
    }
}
