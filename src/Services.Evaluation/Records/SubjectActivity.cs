using Npgsql;
using NpgsqlTypes;
using Platform.Evaluation.Periods;

namespace Platform.Evaluation.Records;

/// <summary>What a member or unit did in a period, counted from its service record.</summary>
/// <param name="RequestsCompleted">Requests it held that were completed in the period, each once however often it was reopened and completed again.</param>
/// <param name="SatisfiedRatings">Requests it held whose latest rating in the period is satisfied or basically_satisfied (the satisfaction rate's meaning).</param>
public sealed record SubjectActivity(string SubjectKind, Guid SubjectId, int RequestsCompleted, int Attendances, int ServiceMinutes, int SatisfiedRatings)
{
    public static readonly SubjectActivity None = new("", Guid.Empty, 0, 0, 0, 0);

    /// <summary>
    /// Per subject (or for one subject) in the period; for a closed period (<paramref name="closedAt"/>),
    /// from the lines recorded by its close, as its frozen figures were: a line arriving later is booked
    /// to an open month and does not count here.
    /// </summary>
    public static async Task<Dictionary<Guid, SubjectActivity>> LoadAsync(
        EvaluationDbContext db, Guid countyId, PeriodSpan span, CancellationToken cancellationToken, Guid? subjectId = null, DateTimeOffset? closedAt = null)
    {
        var rows = await Sql.QueryAsync(db, $"""
            SELECT subject_kind, subject_id,
                   count(DISTINCT request_id) FILTER (WHERE kind = 'request_completed')::int,
                   count(*) FILTER (WHERE kind = 'activity_attended')::int,
                   coalesce(sum(service_minutes) FILTER (WHERE kind = 'service_time'), 0)::int,
                   count(DISTINCT request_id) FILTER (WHERE kind = 'request_rated' AND split_part(detail, ',', 1) IN ('satisfied', 'basically_satisfied')
                       AND NOT EXISTS (SELECT 1 FROM service_records later WHERE later.county_id = s.county_id AND later.kind = 'request_rated'
                           AND later.subject_kind = s.subject_kind AND later.subject_id = s.subject_id AND later.request_id = s.request_id
                           AND later.occurred_at < $3 AND ($5::timestamptz IS NULL OR later.recorded_at <= $5)
                           AND (later.occurred_at, later.id) > (s.occurred_at, s.id)))::int
            FROM service_records s
            WHERE county_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND ($4::uuid IS NULL OR subject_id = $4)
              AND ($5::timestamptz IS NULL OR recorded_at <= $5) AND {RecordKinds.NotCancelledSql}
            GROUP BY subject_kind, subject_id
            """, r => new SubjectActivity(r.GetString(0), r.GetGuid(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5)), cancellationToken,
            countyId, span.From, span.To, new NpgsqlParameter { Value = (object?)subjectId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new NpgsqlParameter { Value = (object?)closedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return rows.ToDictionary(r => r.SubjectId);
    }
}
