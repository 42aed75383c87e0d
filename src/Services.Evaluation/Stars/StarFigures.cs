using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Rates;
using Platform.Evaluation.Records;

namespace Platform.Evaluation.Stars;

public static class StarSchemes
{
    /// <summary>The county's star rules in effect at a moment: the newest version effective by then, else the platform's defaults.</summary>
    public static async Task<StarRules> RulesAtAsync(EvaluationDbContext db, DateTimeOffset moment, CancellationToken cancellationToken) =>
        (await db.StarSchemes.AsNoTracking().Where(s => s.EffectiveFrom <= moment).OrderByDescending(s => s.Version).FirstOrDefaultAsync(cancellationToken))?.Rules
        ?? StarRules.Default;
}

/// <summary>One indicator of a community's rating: its value (0–100, null when nothing to measure), its weight, and the counts behind it.</summary>
public sealed record IndicatorScore(string Indicator, decimal? Value, decimal Weight, int Numerator, int Denominator);

/// <summary>A community party organisation's star rating (星级) for a period with the indicator breakdown.</summary>
public sealed record StarRating(Guid CommunityId, string Code, string Name, decimal? Score, int Stars, IReadOnlyList<IndicatorScore> Indicators, int OverdueRequests);

/// <summary>
/// 星级动态考核: each community's indicators, their weighted mean over the indicators that have
/// something to measure (a weight whose indicator has no data is left out, the rest keep their
/// proportions), and the stars that score reaches (docs/evaluation/rates.md).
/// </summary>
public static class StarFigures
{
    public static IReadOnlyList<StarRating> Compute(PeriodData data)
    {
        var reported = data.Directory.ReportedAt(data.AsOf).ToList();
        var reportedByCommunity = reported.GroupBy(r => r.CommunityId).ToDictionary(g => g.Key, g => g.Select(r => r.MemberId).ToHashSet());
        var reportedMembers = reported.Select(r => r.MemberId).ToHashSet();
        var attended = data.Served.Where(s => s.Kind == RecordKinds.ActivityAttended).Select(s => (s.MemberId, s.CommunityId)).ToHashSet();
        var outcomesByCommunity = data.Outcomes.ToLookup(o => o.CommunityId);
        var residents = data.Directory.Members.Values.Where(m => m.Active).ToLookup(m => m.CommunityId);

        var ratings = new List<StarRating>();
        foreach (var community in data.Directory.Communities)
        {
            var rates = RateFigures.Of(outcomesByCommunity[community.Id]);
            var living = residents[community.Id].ToList();
            var livingReported = living.Count(m => reportedMembers.Contains(m.Id));
            var ownReported = reportedByCommunity.GetValueOrDefault(community.Id) ?? [];
            var ownAttended = ownReported.Count(m => attended.Contains((m, community.Id)));
            var indicators = new List<IndicatorScore>
            {
                Score(data.StarRules, StarIndicators.ResponseRate, rates.Responded, rates.Requests),
                Score(data.StarRules, StarIndicators.ResolutionRate, rates.Resolved, rates.Requests),
                Score(data.StarRules, StarIndicators.SatisfactionRate, rates.Satisfied, rates.Rated),
                Score(data.StarRules, StarIndicators.ReportingCoverage, livingReported, living.Count),
                Score(data.StarRules, StarIndicators.ActivityAttendance, ownAttended, ownReported.Count),
                Score(data.StarRules, StarIndicators.Overdue, rates.Requests - rates.Overdue, rates.Requests),
            };
            var score = WeightedScore(indicators);
            ratings.Add(new StarRating(community.Id, community.Code, community.Name, score, Stars(data.StarRules, score), indicators, rates.Overdue));
        }
        return ratings;
    }

    private static IndicatorScore Score(StarRules rules, string indicator, int numerator, int denominator) =>
        new(indicator, RateFigures.Percent(numerator, denominator), rules.Weights.GetValueOrDefault(indicator), numerator, denominator);

    public static decimal? WeightedScore(IReadOnlyList<IndicatorScore> indicators)
    {
        var counted = indicators.Where(i => i.Value is not null && i.Weight > 0).ToList();
        var weights = counted.Sum(i => i.Weight);
        return weights == 0 ? null : Math.Round(counted.Sum(i => i.Value!.Value * i.Weight) / weights, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>The number of thresholds the score reaches (0 to 5).</summary>
    public static int Stars(StarRules rules, decimal? score) => score is { } s ? rules.Thresholds.Count(t => s >= t) : 0;
}
