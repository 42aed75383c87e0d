using Npgsql;
using NpgsqlTypes;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Records;

namespace Platform.Evaluation.Points;

/// <summary>One stored (or rebuilt) tally: a member's points in a month under one rule and settings version.</summary>
public sealed record TallyFigure(Guid MemberId, string Month, string RuleCode, int SettingsVersion, decimal Points, decimal? Cap, decimal Capped, int Entries);

/// <summary>A member's place on a leaderboard.</summary>
public sealed record LeaderboardRow(int Rank, Guid MemberId, string Code, string Name, Guid? UnitId, string? UnitName, Guid CommunityId, string? CommunityName, Guid? GridId, string? GridName, decimal Points);

/// <summary>
/// 党员积分: a member's points over a period are the sum, over the period's months, of each
/// (rule, settings version) tally held within that rule's cap per month. The stored tallies grow as
/// lines arrive; <see cref="FromLedgerAsync"/> rebuilds them from the ledger's lines alone.
/// </summary>
public static class PointsFigures
{
    private static NpgsqlParameter Months(IReadOnlyList<string> months) =>
        new() { Value = months.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar };

    public static async Task<IReadOnlyDictionary<Guid, decimal>> FromTalliesAsync(EvaluationDbContext db, Guid countyId, IReadOnlyList<string> months, CancellationToken cancellationToken)
    {
        if (months.Count == 0)
        {
            return new Dictionary<Guid, decimal>();
        }
        var rows = await Sql.QueryAsync(db, "SELECT member_id, sum(capped) FROM points_tallies WHERE county_id = $1 AND month = ANY($2) GROUP BY member_id",
            r => (r.GetGuid(0), r.GetDecimal(1)), cancellationToken, countyId, Months(months));
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    /// <summary>
    /// A week's points per member. Nothing is booked to a week, so they are the points of the lines that occurred in it,
    /// each (rule, settings version) held within the rule's cap as a month's are: what the week's report ranks units by.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, decimal>> OfWeekAsync(EvaluationDbContext db, Guid countyId, PeriodSpan span, CancellationToken cancellationToken)
    {
        var sums = await Sql.QueryAsync(db, """
            SELECT subject_id, sum(points), max(cap) FROM service_records
            WHERE county_id = $1 AND subject_kind = 'member' AND rule_code IS NOT NULL AND occurred_at >= $2 AND occurred_at < $3
            GROUP BY subject_id, rule_code, coalesce(settings_version, 0)
            """, r => (Member: r.GetGuid(0), Points: r.GetDecimal(1), Cap: r.NullableDecimal(2)), cancellationToken, countyId, span.From, span.To);
        return sums.GroupBy(s => s.Member).ToDictionary(g => g.Key, g => g.Sum(s => Ledger.Clamp(s.Points, s.Cap)));
    }

    public static Task<List<TallyFigure>> StoredTalliesAsync(EvaluationDbContext db, Guid countyId, IReadOnlyList<string> months, CancellationToken cancellationToken, Guid? memberId = null) =>
        Sql.QueryAsync(db, """
            SELECT member_id, month, rule_code, settings_version, points, cap, capped, entries FROM points_tallies
            WHERE county_id = $1 AND month = ANY($2) AND ($3::uuid IS NULL OR member_id = $3)
            ORDER BY member_id, month, rule_code, settings_version
            """, r => new TallyFigure(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetDecimal(4), r.NullableDecimal(5), r.GetDecimal(6), r.GetInt32(7)),
            cancellationToken, countyId, Months(months), new NpgsqlParameter { Value = (object?)memberId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });

    /// <summary>The tallies rebuilt from the ledger's lines (sums per member, month, rule and version, each held within its cap).</summary>
    public static async Task<List<TallyFigure>> FromLedgerAsync(EvaluationDbContext db, Guid countyId, IReadOnlyList<string> months, CancellationToken cancellationToken)
    {
        var sums = await Sql.QueryAsync(db, """
            SELECT subject_id, month, rule_code, coalesce(settings_version, 0), sum(points), max(cap), count(*)::int FROM service_records
            WHERE county_id = $1 AND month = ANY($2) AND subject_kind = 'member' AND rule_code IS NOT NULL
            GROUP BY subject_id, month, rule_code, coalesce(settings_version, 0)
            ORDER BY subject_id, month, rule_code, coalesce(settings_version, 0)
            """, r => (Member: r.GetGuid(0), Month: r.GetString(1), Rule: r.GetString(2), Version: r.GetInt32(3), Points: r.GetDecimal(4), Cap: r.NullableDecimal(5), Entries: r.GetInt32(6)),
            cancellationToken, countyId, Months(months));
        return sums.Select(s => new TallyFigure(s.Member, s.Month, s.Rule, s.Version, s.Points, s.Cap, Ledger.Clamp(s.Points, s.Cap), s.Entries)).ToList();
    }

    /// <summary>
    /// Members of a scope ranked by points, highest first; ties share a rank (1, 2, 2, 4) and are
    /// listed by member code, then id — the same order every time.
    /// </summary>
    public static IReadOnlyList<LeaderboardRow> Leaderboard(PeriodData data, Func<DirectoryMember, bool> inScope)
    {
        var areas = data.Directory.Areas;
        var units = data.Directory.Units;
        var ordered = data.Directory.Members.Values
            .Where(m => (m.Active || data.Points.ContainsKey(m.Id)) && inScope(m))
            .Select(m => (Member: m, Points: data.Points.GetValueOrDefault(m.Id)))
            .OrderByDescending(x => x.Points).ThenBy(x => x.Member.Code, StringComparer.Ordinal).ThenBy(x => x.Member.Id)
            .ToList();
        var rows = new List<LeaderboardRow>(ordered.Count);
        for (var i = 0; i < ordered.Count; i++)
        {
            var (member, points) = ordered[i];
            var rank = i > 0 && ordered[i - 1].Points == points ? rows[i - 1].Rank : i + 1;
            rows.Add(new LeaderboardRow(rank, member.Id, member.Code, member.Name, member.UnitId,
                member.UnitId is { } u && units.TryGetValue(u, out var unit) ? unit.Name : null,
                member.CommunityId, areas.TryGetValue(member.CommunityId, out var community) ? community.Name : null,
                member.GridId, member.GridId is { } g && areas.TryGetValue(g, out var grid) ? grid.Name : null, points));
        }
        return rows;
    }
}
