using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Evaluation.Periods;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Rates;

public sealed record RatesResponse(string Period, bool Closed, DateTimeOffset AsOf, string GroupBy, IReadOnlyList<RateRow> Items);

/// <summary>The three rates (响应率, 解决率, 满意率) and the on-time rate per county, street, community or unit for any period (docs/evaluation/rates.md).</summary>
public static class RatesApi
{
    public static RouteGroupBuilder MapRatesApi(this RouteGroupBuilder county)
    {
        county.MapGet("/rates", Rates).WithTags("Rates").WithName("evaluation.GetRates")
            .WithSummary("Response, resolution, satisfaction and on-time rates of the requests placed in a period, by county, street, community or unit")
            .WithDescription("period: 2026-W10, 2026-03, 2026-Q1 or 2026; groupBy: county (default), street, community or unit. Definitions: docs/evaluation/rates.md.");
        return county;
    }

    private static async Task<Results<Ok<RatesResponse>, ValidationProblem>> Rates(
        string? period, string? groupBy, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period);
        groupBy ??= "county";
        if (!RateTable.Scopes.Contains(groupBy))
        {
            errors.Add("groupBy", $"'groupBy' must be one of {string.Join(", ", RateTable.Scopes)}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var figures = await PeriodFigures.ForAsync(db, tenant.County!, parsed!.Value, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(new RatesResponse(figures.Period, figures.Closed, figures.AsOf, groupBy, figures.Rates[groupBy]));
    }
}
