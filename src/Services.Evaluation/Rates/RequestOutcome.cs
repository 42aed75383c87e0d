using Platform.Evaluation.Periods;
using Platform.Evaluation.Records;

namespace Platform.Evaluation.Rates;

/// <summary>
/// Where one request placed in the period stands, from its events (docs/evaluation/rates.md): each
/// request counts once however often it was reopened, re-completed or re-rated.
/// </summary>
/// <param name="Responded">Its first response (claim, acceptance or answer) came by its response deadline.</param>
/// <param name="Rated">Rated at least once; <paramref name="Satisfied"/> by its latest rating (satisfied or basically satisfied).</param>
/// <param name="Resolved">Its latest rating said resolved, and it was not reopened at or after that rating.</param>
/// <param name="Completed">Completed at least once; <paramref name="OnTime"/> by its latest completion.</param>
/// <param name="Overdue">A deadline (response or completion) passed unmet at least once.</param>
public sealed record RequestOutcome(
    Guid RequestId, Guid CommunityId, Guid? StreetId, Guid? UnitId, IReadOnlyList<Guid> MemberIds,
    bool Responded, bool Rated, bool Satisfied, bool Resolved, bool Completed, bool OnTime, bool Overdue, bool Reopened)
{
    public static Task<List<RequestOutcome>> LoadAsync(EvaluationDbContext db, Guid countyId, PeriodSpan span, long? maxSeq, CancellationToken cancellationToken) =>
        Sql.QueryAsync(db, """
            WITH ev AS (
                SELECT * FROM request_events WHERE county_id = $1 AND placed_at >= $2 AND placed_at < $3 AND seq <= $4),
            latest AS (
                SELECT DISTINCT ON (request_id) request_id, status, community_id, street_id, unit_id, response_due_at, responded_at, member_ids
                FROM ev ORDER BY request_id, version DESC, seq DESC),
            rating AS (
                SELECT DISTINCT ON (request_id) request_id, version, satisfaction, resolved
                FROM ev WHERE event_type = 'rated' ORDER BY request_id, version DESC, seq DESC),
            reopen AS (SELECT request_id, max(version) AS version FROM ev WHERE event_type = 'reopened' GROUP BY request_id),
            completion AS (
                SELECT DISTINCT ON (request_id) request_id, on_time FROM ev WHERE event_type = 'completed' ORDER BY request_id, version DESC, seq DESC),
            overdue AS (SELECT DISTINCT request_id FROM ev WHERE event_type = 'overdue')
            SELECT l.request_id, l.community_id, l.street_id, l.unit_id, l.member_ids,
                   l.responded_at IS NOT NULL AND (l.response_due_at IS NULL OR l.responded_at <= l.response_due_at),
                   r.request_id IS NOT NULL,
                   coalesce(r.satisfaction IN ('satisfied', 'basically_satisfied'), false),
                   coalesce(r.resolved AND (o.version IS NULL OR o.version < r.version), false),
                   c.request_id IS NOT NULL,
                   coalesce(c.on_time, false),
                   d.request_id IS NOT NULL,
                   o.request_id IS NOT NULL
            FROM latest l
            LEFT JOIN rating r ON r.request_id = l.request_id
            LEFT JOIN reopen o ON o.request_id = l.request_id
            LEFT JOIN completion c ON c.request_id = l.request_id
            LEFT JOIN overdue d ON d.request_id = l.request_id
            WHERE l.status <> 'cancelled'
            ORDER BY l.request_id
            """,
            r => new RequestOutcome(r.GetGuid(0), r.GetGuid(1), r.NullableGuid(2), r.NullableGuid(3), r.GetFieldValue<Guid[]>(4),
                r.GetBoolean(5), r.GetBoolean(6), r.GetBoolean(7), r.GetBoolean(8), r.GetBoolean(9), r.GetBoolean(10), r.GetBoolean(11), r.GetBoolean(12)),
            cancellationToken, countyId, span.From, span.To, maxSeq ?? long.MaxValue);
}

/// <summary>The three rates (响应率, 解决率, 满意率) and the on-time rate of a set of requests, as percentages to two decimals; null when nothing to divide by.</summary>
public sealed record RateFigures(
    int Requests, int Responded, int Resolved, int Rated, int Satisfied, int Completed, int OnTime, int Overdue, int Reopened,
    decimal? ResponseRate, decimal? ResolutionRate, decimal? SatisfactionRate, decimal? OnTimeRate)
{
    public static RateFigures Of(IEnumerable<RequestOutcome> outcomes)
    {
        int requests = 0, responded = 0, resolved = 0, rated = 0, satisfied = 0, completed = 0, onTime = 0, overdue = 0, reopened = 0;
        foreach (var o in outcomes)
        {
            requests++;
            responded += o.Responded ? 1 : 0;
            resolved += o.Resolved ? 1 : 0;
            rated += o.Rated ? 1 : 0;
            satisfied += o.Rated && o.Satisfied ? 1 : 0;
            completed += o.Completed ? 1 : 0;
            onTime += o.Completed && o.OnTime ? 1 : 0;
            overdue += o.Overdue ? 1 : 0;
            reopened += o.Reopened ? 1 : 0;
        }
        return new RateFigures(requests, responded, resolved, rated, satisfied, completed, onTime, overdue, reopened,
            Percent(responded, requests), Percent(resolved, requests), Percent(satisfied, rated), Percent(onTime, completed));
    }

    public static decimal? Percent(int part, int whole) => whole == 0 ? null : Math.Round(100m * part / whole, 2, MidpointRounding.AwayFromZero);
}

/// <summary>The rates of one unit, community, street or the county.</summary>
public sealed record RateRow(string Scope, Guid? Id, string? Code, string Name, RateFigures Rates);

public static class RateTable
{
    public static readonly IReadOnlyList<string> Scopes = ["county", "street", "community", "unit"];

    /// <summary>One row per unit, community or street (every one the county has, with or without requests; a retired one only with requests), or one for the county.</summary>
    public static IReadOnlyList<RateRow> By(PeriodData data, string scope)
    {
        var directory = data.Directory;
        return scope switch
        {
            "street" => directory.Areas.Values.Where(a => a.Level is "street" or "township" && !a.Retired).OrderBy(a => a.Code, StringComparer.Ordinal)
                .Select(a => new RateRow(scope, a.Id, a.Code, a.Name, Of(data, scope, a.Id))).ToList(),
            "community" => directory.Communities.Select(a => new RateRow(scope, a.Id, a.Code, a.Name, Of(data, scope, a.Id))).ToList(),
            // A retired unit only while it held requests of the period: otherwise it would rank last with nothing to rank.
            "unit" => directory.Units.Values.Where(u => !u.Retired || data.Outcomes.Any(o => o.UnitId == u.Id)).OrderBy(u => u.Code, StringComparer.Ordinal)
                .Select(u => new RateRow(scope, u.Id, u.Code, u.Name, Of(data, scope, u.Id))).ToList(),
            _ => [new RateRow("county", data.County.Id, data.County.Code, data.County.Name, Of(data, scope, data.County.Id))],
        };
    }

    /// <summary>
    /// The rates of one street, community or unit (or the county), whether or not the directory still
    /// lists it: a closed period's rows are checked against their requests even after a community retired.
    /// </summary>
    public static RateFigures Of(PeriodData data, string scope, Guid? id) => scope switch
    {
        "street" => RateFigures.Of(data.Outcomes.Where(o => o.StreetId == id)),
        "community" => RateFigures.Of(data.Outcomes.Where(o => o.CommunityId == id)),
        "unit" => RateFigures.Of(data.Outcomes.Where(o => o.UnitId == id)),
        _ => RateFigures.Of(data.Outcomes),
    };
}
