using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Coverage;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Points;
using Platform.Evaluation.Rates;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Reports;

public sealed record ReportCommunity(Guid Id, string Code, string Name, RateFigures Rates, int? Stars, decimal? StarScore);

/// <summary>A unit's line: its members' average points in the period, and the rates of the requests it held.</summary>
public sealed record ReportUnit(int Rank, Guid Id, string Code, string Name, int Members, decimal AveragePoints, RateFigures Rates);

/// <summary>
/// 周反馈 / 月汇总 / 季通报 of a county or one street: the three rates, the communities and units with
/// theirs, the red and black lists (the units with the highest and lowest average points per member),
/// the members with most points and, quarterly, coverage.
/// </summary>
public sealed record PeriodicReport(
    string Kind, string Title, string Period, DateTimeOffset From, DateTimeOffset To, bool Closed, DateTimeOffset AsOf,
    string CountyCode, string CountyName, string TimeZone, Guid? StreetId, string? StreetName,
    RateFigures Rates, PeriodTotals? Totals, IReadOnlyList<ReportCommunity> Communities, IReadOnlyList<ReportUnit> Units,
    IReadOnlyList<ReportUnit> RedList, IReadOnlyList<ReportUnit> BlackList, IReadOnlyList<LeaderboardRow> TopMembers, CoverageFigures? Coverage)
{
    public const int ListLength = 5;
    public const int TopMembersLength = 10;

    public static readonly IReadOnlyDictionary<string, (PeriodKind Kind, string Name)> Kinds = new Dictionary<string, (PeriodKind, string)>
    {
        ["weekly"] = (PeriodKind.Week, "周反馈"),
        ["monthly"] = (PeriodKind.Month, "月汇总"),
        ["quarterly"] = (PeriodKind.Quarter, "季通报"),
    };

    public static async Task<PeriodicReport> BuildAsync(EvaluationDbContext db, County county, string kind, Period period, Guid? streetId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var figures = await PeriodFigures.ForAsync(db, county, period, now, cancellationToken);
        var span = PeriodSpan.Of(period, CountyCalendar.Zone(county.TimeZone));
        string? streetName = null;
        HashSet<Guid>? communities = null;
        HashSet<Guid>? units = null;
        if (streetId is { } street)
        {
            streetName = await db.Areas.AsNoTracking().Where(a => a.Id == street).Select(a => a.Name).FirstAsync(cancellationToken);
            communities = (await db.Areas.AsNoTracking().Where(a => a.ParentId == street).Select(a => a.Id).ToListAsync(cancellationToken)).ToHashSet();
            var ids = communities.ToList();
            // The units paired with its communities at some time in the period.
            var (first, end) = (period.FirstDay, period.EndDay);
            units = (await db.Pairings.AsNoTracking().Where(p => ids.Contains(p.CommunityId) && p.StartsOn < end && (p.EndsOn == null || p.EndsOn >= first))
                .Select(p => p.UnitId).ToListAsync(cancellationToken)).ToHashSet();
        }

        var stars = figures.Stars.ToDictionary(s => s.CommunityId);
        var reportCommunities = figures.Rates["community"].Where(r => communities is null || communities.Contains(r.Id!.Value))
            .Select(r => new ReportCommunity(r.Id!.Value, r.Code!, r.Name, r.Rates,
                period.Kind == PeriodKind.Week ? null : stars.GetValueOrDefault(r.Id!.Value)?.Stars, stars.GetValueOrDefault(r.Id!.Value)?.Score))
            .ToList();
        // The points ranking is a month's and a quarter's table; a week's points only rank the units.
        List<LeaderboardRow> members = period.Kind == PeriodKind.Week
            ? []
            : figures.Leaderboard.Where(m => communities is null || communities.Contains(m.CommunityId)).ToList();
        var byUnit = figures.Leaderboard.Where(m => m.UnitId is not null).GroupBy(m => m.UnitId!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var ranked = figures.Rates["unit"].Where(r => units is null || units.Contains(r.Id!.Value))
            .Select(r =>
            {
                var unitMembers = byUnit.GetValueOrDefault(r.Id!.Value) ?? [];
                var average = unitMembers.Count == 0 ? 0 : Math.Round(unitMembers.Sum(m => m.Points) / unitMembers.Count, 2, MidpointRounding.AwayFromZero);
                return (Row: r, Members: unitMembers.Count, Average: average);
            })
            .OrderByDescending(u => u.Average).ThenByDescending(u => u.Row.Rates.Completed).ThenBy(u => u.Row.Code, StringComparer.Ordinal)
            .Select((u, i) => new ReportUnit(i + 1, u.Row.Id!.Value, u.Row.Code!, u.Row.Name, u.Members, u.Average, u.Row.Rates))
            .ToList();
        var listLength = Math.Min(ListLength, ranked.Count / 2);
        var rates = streetId is null
            ? figures.Rates["county"][0].Rates
            : figures.Rates["street"].FirstOrDefault(r => r.Id == streetId)?.Rates ?? RateFigures.Of([]);
        var coverage = figures.Coverage is { } c && units is not null
            ? c with { Units = c.Units.Where(u => units.Contains(u.UnitId)).ToList(), NonCompliant = c.NonCompliant.Where(m => communities!.Contains(m.CommunityId)).ToList() }
            : figures.Coverage;
        var (_, kindName) = Kinds[kind];
        var title = $"{county.Name}{streetName}{Describe(period)}{kindName}";
        return new PeriodicReport(kind, title, period.Key, span.From, span.To, figures.Closed, figures.AsOf, county.Code, county.Name, CountyCalendar.Zone(county.TimeZone).Id, streetId, streetName,
            rates, streetId is null ? figures.Totals : null, reportCommunities, ranked, ranked.Take(listLength).ToList(),
            ranked.AsEnumerable().Reverse().Take(listLength).ToList(), PeriodFigures.Rerank(members.Take(TopMembersLength)), coverage);
    }

    private static string Describe(Period period) => period.Kind switch
    {
        PeriodKind.Week => $"{period.Year}年第{period.Number}周",
        PeriodKind.Month => $"{period.Year}年{period.Number}月",
        PeriodKind.Quarter => $"{period.Year}年第{period.Number}季度",
        _ => $"{period.Year}年",
    };
}
