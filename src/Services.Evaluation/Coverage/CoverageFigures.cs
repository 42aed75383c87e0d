using Platform.Evaluation.Periods;

namespace Platform.Evaluation.Coverage;

/// <summary>A reported member who did not serve in the community they reported to during the quarter.</summary>
public sealed record NonCompliantMember(Guid MemberId, string Code, string Name, Guid? UnitId, string? UnitName, Guid CommunityId, string? CommunityName);

/// <summary>A unit's coverage: of its reported members, how many served in their community in the quarter.</summary>
public sealed record UnitCoverage(Guid UnitId, string Code, string Name, int Reported, int Served, decimal? Percent, bool BelowThreshold);

public sealed record CoverageFigures(int ThresholdPercent, int Reported, int Served, decimal? Percent, IReadOnlyList<UnitCoverage> Units, IReadOnlyList<NonCompliantMember> NonCompliant)
{
    /// <summary>
    /// Every member with a confirmed report (报到) standing at the quarter's end (or now, while it runs)
    /// must have served — checked in at an activity, or completed a request — in the community they
    /// reported to at least once in the quarter.
    /// </summary>
    public static CoverageFigures Compute(PeriodData data)
    {
        var threshold = data.Settings?.CoverageThresholdPercent ?? 90;
        var served = data.Served.Select(s => (s.MemberId, s.CommunityId)).ToHashSet();
        var directory = data.Directory;
        var reported = directory.ReportedAt(data.AsOf).GroupBy(r => r.MemberId)
            .Select(g => (Member: directory.Members[g.Key], Communities: g.Select(r => r.CommunityId).Distinct().ToList()))
            .Select(x => (x.Member, x.Communities, Served: x.Communities.Any(c => served.Contains((x.Member.Id, c)))))
            .ToList();
        var nonCompliant = reported.Where(r => !r.Served)
            .OrderBy(r => r.Member.Code, StringComparer.Ordinal).ThenBy(r => r.Member.Id)
            .Select(r => new NonCompliantMember(r.Member.Id, r.Member.Code, r.Member.Name, r.Member.UnitId,
                r.Member.UnitId is { } u && directory.Units.TryGetValue(u, out var unit) ? unit.Name : null,
                r.Communities[0], directory.Areas.TryGetValue(r.Communities[0], out var c) ? c.Name : null))
            .ToList();
        var byUnit = reported.Where(r => r.Member.UnitId is not null).ToLookup(r => r.Member.UnitId!.Value);
        var units = directory.Units.Values.Where(u => !u.Retired || byUnit[u.Id].Any()).OrderBy(u => u.Code, StringComparer.Ordinal).Select(u =>
        {
            var members = byUnit[u.Id].ToList();
            var servedCount = members.Count(m => m.Served);
            var percent = Rates.RateFigures.Percent(servedCount, members.Count);
            return new UnitCoverage(u.Id, u.Code, u.Name, members.Count, servedCount, percent, percent is { } p && p < threshold);
        }).ToList();
        var total = reported.Count(r => r.Served);
        return new CoverageFigures(threshold, reported.Count, total, Rates.RateFigures.Percent(total, reported.Count), units, nonCompliant);
    }
}
