using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Coverage;
using Platform.Evaluation.Points;
using Platform.Evaluation.Rates;
using Platform.Evaluation.Stars;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Periods;

/// <summary>The period's activity in the county: check-ins, service minutes, points counted, members who served.</summary>
public sealed record PeriodTotals(int Attendances, int ServiceMinutes, decimal Points, int MembersServed);

/// <summary>
/// A period's figures: every member's points and the county's leaderboard, the rates by county,
/// street, community and unit, the communities' star ratings and (for a quarter) coverage. A closed
/// period answers the figures frozen when it closed; an open one computes them now.
/// </summary>
public sealed record PeriodFigures(
    string Period,
    bool Closed,
    DateTimeOffset AsOf,
    IReadOnlyList<LeaderboardRow> Leaderboard,
    IReadOnlyDictionary<string, IReadOnlyList<RateRow>> Rates,
    IReadOnlyList<StarRating> Stars,
    CoverageFigures? Coverage,
    PeriodTotals Totals)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static PeriodFigures Compute(PeriodData data, bool closed = false) => new(
        data.Period.Key,
        closed,
        data.AsOf,
        PointsFigures.Leaderboard(data, _ => true),
        RateTable.Scopes.ToDictionary(s => s, s => RateTable.By(data, s)),
        StarFigures.Compute(data),
        data.Period.Kind == PeriodKind.Quarter ? CoverageFigures.Compute(data) : null,
        new PeriodTotals(data.Attendances, data.ServiceMinutes.Values.Sum(), data.Points.Values.Sum(), data.Served.Select(s => s.MemberId).Distinct().Count()));

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PeriodFigures FromJson(string json) => JsonSerializer.Deserialize<PeriodFigures>(json, Json)!;

    /// <summary>The frozen figures of a closed period, or the figures computed now.</summary>
    public static async Task<PeriodFigures> ForAsync(EvaluationDbContext db, County county, Period period, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var closed = period.IsClosable
            ? await db.ClosedPeriods.AsNoTracking().FirstOrDefaultAsync(p => p.Period == period.Key, cancellationToken)
            : null;
        if (closed is not null)
        {
            return FromJson(closed.Figures);
        }
        return Compute(await PeriodData.LoadAsync(db, county, period, now, requestSeq: null, cancellationToken));
    }

    /// <summary>Ranks a part of the leaderboard again within itself (a grid, a community, a unit).</summary>
    public static IReadOnlyList<LeaderboardRow> Rerank(IEnumerable<LeaderboardRow> rows)
    {
        var list = rows.ToList();
        var ranked = new List<LeaderboardRow>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var rank = i > 0 && list[i - 1].Points == list[i].Points ? ranked[i - 1].Rank : i + 1;
            ranked.Add(list[i] with { Rank = rank });
        }
        return ranked;
    }
}
