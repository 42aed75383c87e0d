using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Periods;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Stars;

public sealed record StarRatingsResponse(string Period, bool Closed, DateTimeOffset AsOf, StarRules Rules, IReadOnlyList<StarRating> Items);

/// <param name="Weights">Weight per indicator: response_rate, resolution_rate, satisfaction_rate, reporting_coverage, activity_attendance, overdue (each 0–100; at least one positive).</param>
/// <param name="Thresholds">The scores (0–100) needed for 1, 2, 3, 4 and 5 stars, ascending.</param>
/// <param name="EffectiveFrom">When the version takes effect (default now); never in the past.</param>
public sealed record StarSchemeRequest([Required] IReadOnlyDictionary<string, decimal>? Weights, [Required] IReadOnlyList<decimal>? Thresholds, DateTimeOffset? EffectiveFrom);

/// <param name="Version">0 for the platform's defaults (the county has not set its own).</param>
public sealed record StarSchemeResponse(int Version, DateTimeOffset? EffectiveFrom, StarRules Rules);

/// <summary>星级动态考核: the communities' star ratings for a period, and the county's versioned star rules.</summary>
public static class StarsApi
{
    public static RouteGroupBuilder MapStarsApi(this RouteGroupBuilder county)
    {
        county.MapGet("/star-ratings", Ratings).WithTags("Star ratings").WithName("evaluation.GetStarRatings")
            .WithSummary("Each community party organisation's stars for a period, with every indicator's value, weight and counts");
        var scheme = county.MapGroup("/star-scheme").WithTags("Star ratings");
        scheme.MapGet("/", GetScheme).WithName("evaluation.GetStarScheme").WithSummary("The star rules in effect now (or ?at=)");
        scheme.MapPut("/", UpdateScheme).RequireRoles(PlatformRoles.CountyAdmin).WithName("evaluation.UpdateStarScheme").WithSummary("Add a version of the star rules, effective now or later")
            .WithRequestExample(new
            {
                weights = new Dictionary<string, int> { ["response_rate"] = 20, ["resolution_rate"] = 25, ["satisfaction_rate"] = 25, ["reporting_coverage"] = 10, ["activity_attendance"] = 10, ["overdue"] = 10 },
                thresholds = new[] { 60, 70, 80, 90, 95 },
            });
        scheme.MapGet("/versions", Versions).WithName("evaluation.ListStarSchemeVersions").WithSummary("Every version of the county's star rules, newest first");
        return county;
    }

    private static async Task<Results<Ok<StarRatingsResponse>, ValidationProblem>> Ratings(
        string? period, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var figures = await PeriodFigures.ForAsync(db, tenant.County!, parsed!.Value, clock.GetUtcNow(), cancellationToken);
        var rules = await StarSchemes.RulesAtAsync(db, figures.AsOf, cancellationToken);
        return TypedResults.Ok(new StarRatingsResponse(figures.Period, figures.Closed, figures.AsOf, rules, figures.Stars));
    }

    private static async Task<Ok<StarSchemeResponse>> GetScheme(Instant? at, EvaluationDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var moment = at?.Value ?? clock.GetUtcNow();
        var version = await db.StarSchemes.AsNoTracking().Where(s => s.EffectiveFrom <= moment).OrderByDescending(s => s.Version).FirstOrDefaultAsync(cancellationToken);
        var newest = await db.StarSchemes.MaxAsync(s => (int?)s.Version, cancellationToken) ?? 0;
        http.Response.Headers.ETag = ETags.Of(newest);
        return TypedResults.Ok(version is null ? new StarSchemeResponse(0, null, StarRules.Default) : new StarSchemeResponse(version.Version, version.EffectiveFrom, version.Rules));
    }

    private static async Task<Ok<IReadOnlyList<StarSchemeResponse>>> Versions(EvaluationDbContext db, CancellationToken cancellationToken)
    {
        var versions = await db.StarSchemes.AsNoTracking().OrderByDescending(s => s.Version).ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<StarSchemeResponse>>(versions.Select(v => new StarSchemeResponse(v.Version, v.EffectiveFrom, v.Rules)).ToList());
    }

    private static async Task<Results<Ok<StarSchemeResponse>, ValidationProblem, ProblemHttpResult>> UpdateScheme(
        StarSchemeRequest body, EvaluationDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        if (body.Weights is null || body.Weights.Count == 0)
        {
            errors.Add("weights", "'weights' is required: a weight per indicator.");
        }
        else
        {
            foreach (var (indicator, weight) in body.Weights)
            {
                if (!StarIndicators.All.Contains(indicator))
                {
                    errors.Add($"weights.{indicator}", $"'{indicator}' is not an indicator: {string.Join(", ", StarIndicators.All)}.");
                }
                else if (weight is < 0 or > 100)
                {
                    errors.Add($"weights.{indicator}", $"'weights.{indicator}' must be between 0 and 100.");
                }
            }
            if (body.Weights.Values.All(w => w <= 0))
            {
                errors.Add("weights", "At least one weight must be positive.");
            }
        }
        if (body.Thresholds is not { Count: 5 } thresholds || thresholds.Any(t => t is < 0 or > 100) || thresholds.Zip(thresholds.Skip(1)).Any(p => p.First >= p.Second))
        {
            errors.Add("thresholds", "'thresholds' must be five scores between 0 and 100, strictly ascending (for 1 to 5 stars).");
        }
        var effectiveFrom = body.EffectiveFrom ?? now;
        if (effectiveFrom < now - TimeSpan.FromMinutes(1))
        {
            errors.Add("effectiveFrom", "'effectiveFrom' may not be in the past: a change never rewrites a rating already given.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var newest = await db.StarSchemes.AsNoTracking().OrderByDescending(s => s.Version).FirstOrDefaultAsync(cancellationToken);
        if (ETags.PreconditionFailed(http, new VersionOnly(newest?.Version ?? 0)) is { } failed)
        {
            return failed;
        }
        if (newest is not null && effectiveFrom < newest.EffectiveFrom)
        {
            return Problems.Unprocessable("scheme_effective_before_newest", $"'effectiveFrom' must not be before the newest version's ({newest.EffectiveFrom:O}).", "effectiveFrom");
        }
        var weights = StarIndicators.All.ToDictionary(i => i, i => body.Weights!.GetValueOrDefault(i));
        var scheme = new StarScheme { Version = (newest?.Version ?? 0) + 1, EffectiveFrom = effectiveFrom, Rules = new StarRules(weights, [.. body.Thresholds!]), CreatedAt = now };
        db.StarSchemes.Add(scheme);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "The star rules were changed meanwhile; read them again and retry.");
        }
        http.Response.Headers.ETag = ETags.Of(scheme.Version);
        return TypedResults.Ok(new StarSchemeResponse(scheme.Version, scheme.EffectiveFrom, scheme.Rules));
    }

    private sealed class VersionOnly(int version) : IVersioned
    {
        public int Version { get; set; } = version;
    }
}
