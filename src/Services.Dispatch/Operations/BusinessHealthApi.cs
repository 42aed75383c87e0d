using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Dispatch.Activities;
using Platform.Dispatch.Requests;
using Platform.ServiceDefaults.Telemetry.Operations;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Operations;

/// <summary>One county's closed loop at a glance, for the operations dashboard.</summary>
/// <param name="OpenByTier">Open requests per tier: simple, ordinary, complex, and untriaged (no tier yet).</param>
/// <param name="AtRisk">Open, not overdue, and in the last part of the window of the deadline it works to.</param>
/// <param name="Today">Placed and completed since midnight in the county's time zone.</param>
public sealed record CountyBusinessHealth(
    string County,
    string Name,
    string TimeZone,
    int Open,
    IReadOnlyDictionary<string, int> OpenByTier,
    int AtRisk,
    int Overdue,
    int EscalationsOpen,
    DayFigures Today,
    MonthRates Month);

public sealed record DayFigures(string Date, int Placed, int Completed);

/// <summary>
/// The month's three rates from Dispatch's own records (Evaluation owns the official ones):
/// resolved = rated resolved of those rated this month; satisfied = satisfied or basically satisfied
/// of those rated; responded = answered by the response deadline, of the requests whose response
/// deadline fell this month and is decided (answered, or passed). Null when there is nothing to rate.
/// </summary>
public sealed record MonthRates(string Month, int Rated, double? Resolved, double? Satisfied, int ResponseDecided, double? Responded);

public sealed record BusinessHealth(DateTimeOffset At, IReadOnlyList<CountyBusinessHealth> Counties);

/// <summary>
/// <c>/ops/business</c>: business health per county (<c>?county=CODE</c> for one), read by the
/// gateway's dashboard. Internal, like the other <c>/ops</c> endpoints. Each county is read in a
/// scope of its own, so row-level security applies as for any request of that county.
/// </summary>
public static class BusinessHealthApi
{
    private const int Parallelism = 4;

    public static IEndpointRouteBuilder MapBusinessHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(OperationsTelemetry.Prefix + "/business", GetAsync).ExcludeFromDescription().DisableHttpMetrics();
        return endpoints;
    }

    private static async Task<Results<Ok<BusinessHealth>, ProblemHttpResult>> GetAsync(
        string? county, DispatchDbContext db, IServiceScopeFactory scopes, TimeProvider clock, CancellationToken cancellationToken)
    {
        var counties = await db.Counties.AsNoTracking()
            .Where(c => county == null || c.Code == county)
            .OrderBy(c => c.Code)
            .ToListAsync(cancellationToken);
        if (county is not null && counties.Count == 0)
        {
            return ServiceDefaults.Http.Problems.NotFound(ServiceDefaults.Http.ProblemCodes.CountyNotFound, $"No county with code '{county}' is known here.");
        }
        var now = clock.GetUtcNow();
        var rows = new CountyBusinessHealth[counties.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, counties.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, token) => rows[i] = await ReadCountyAsync(scopes, counties[i], now, token));
        return TypedResults.Ok(new BusinessHealth(now, rows));
    }

    private static async Task<CountyBusinessHealth> ReadCountyAsync(IServiceScopeFactory scopes, County county, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(county);
        var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();

        var (today, dayStart, monthStart) = Today(ActivityCalendar.Of(county), now);
        string[] open = [.. RequestStatus.Open];

        // One round trip per county: every figure is a filtered count over the county's requests.
        var figures = (await db.Database.SqlQuery<Figures>($"""
            SELECT
              count(*) FILTER (WHERE status = ANY({open}) AND tier = 'simple') AS "OpenSimple",
              count(*) FILTER (WHERE status = ANY({open}) AND tier = 'ordinary') AS "OpenOrdinary",
              count(*) FILTER (WHERE status = ANY({open}) AND tier = 'complex') AS "OpenComplex",
              count(*) FILTER (WHERE status = ANY({open}) AND tier IS NULL) AS "OpenUntriaged",
              count(*) FILTER (WHERE status = ANY({open}) AND (response_overdue_at IS NOT NULL OR completion_overdue_at IS NOT NULL)) AS "Overdue",
              count(*) FILTER (WHERE status = ANY({open}) AND response_overdue_at IS NULL AND completion_overdue_at IS NULL
                               AND (CASE WHEN responded_at IS NULL THEN response_warn_at ELSE completion_warn_at END) <= {now}) AS "AtRisk",
              count(*) FILTER (WHERE placed_at >= {dayStart}) AS "PlacedToday",
              count(*) FILTER (WHERE completed_at >= {dayStart}) AS "CompletedToday",
              count(*) FILTER (WHERE rated_at >= {monthStart}) AS "Rated",
              count(*) FILTER (WHERE rated_at >= {monthStart} AND resolved) AS "RatedResolved",
              count(*) FILTER (WHERE rated_at >= {monthStart} AND satisfaction IN ('satisfied', 'basically_satisfied')) AS "RatedSatisfied",
              count(*) FILTER (WHERE response_due_at >= {monthStart} AND (responded_at IS NOT NULL OR response_due_at <= {now})) AS "ResponseDecided",
              count(*) FILTER (WHERE response_due_at >= {monthStart} AND responded_at IS NOT NULL AND responded_at <= response_due_at) AS "RespondedInTime",
              (SELECT count(*) FROM escalations WHERE status IN ('open', 'acknowledged')) AS "EscalationsOpen"
            FROM requests
            """).ToListAsync(cancellationToken)).Single();

        return new CountyBusinessHealth(
            county.Code, county.Name, county.TimeZone,
            (int)(figures.OpenSimple + figures.OpenOrdinary + figures.OpenComplex + figures.OpenUntriaged),
            new Dictionary<string, int>
            {
                ["simple"] = (int)figures.OpenSimple,
                ["ordinary"] = (int)figures.OpenOrdinary,
                ["complex"] = (int)figures.OpenComplex,
                ["untriaged"] = (int)figures.OpenUntriaged,
            },
            (int)figures.AtRisk, (int)figures.Overdue, (int)figures.EscalationsOpen,
            new DayFigures(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), (int)figures.PlacedToday, (int)figures.CompletedToday),
            new MonthRates(ActivityCalendar.MonthText(today), (int)figures.Rated,
                Rate(figures.RatedResolved, figures.Rated), Rate(figures.RatedSatisfied, figures.Rated),
                (int)figures.ResponseDecided, Rate(figures.RespondedInTime, figures.ResponseDecided)));
    }

    /// <summary>
    /// The county's today and where it and its month begin, by its calendar: midnight in the offset in
    /// force then, not now (which differs on the day a zone with daylight saving time moves its clocks).
    /// </summary>
    public static (DateOnly Today, DateTimeOffset DayStart, DateTimeOffset MonthStart) Today(ActivityCalendar calendar, DateTimeOffset now)
    {
        var today = calendar.DateOf(now);
        return (today, calendar.StartOf(today), calendar.StartOf(new DateOnly(today.Year, today.Month, 1)));
    }

    private static double? Rate(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private sealed record Figures(
        long OpenSimple, long OpenOrdinary, long OpenComplex, long OpenUntriaged, long Overdue, long AtRisk,
        long PlacedToday, long CompletedToday, long Rated, long RatedResolved, long RatedSatisfied,
        long ResponseDecided, long RespondedInTime, long EscalationsOpen);
}
