using Npgsql;
using NpgsqlTypes;
using Platform.Evaluation.Periods;

namespace Platform.Evaluation.Records;

/// <summary>What a member or unit did in a period, counted from its service record.</summary>
/// <param name="SatisfiedRatings">Ratings "satisfied" (and resolved) of requests it held.</param>
public sealed record SubjectActivity(string SubjectKind, Guid SubjectId, int RequestsCompleted, int Attendances, int ServiceMinutes, int SatisfiedRatings)
{
    public static readonly SubjectActivity None = new("", Guid.Empty, 0, 0, 0, 0);

    /// <summary>Per subject (or for one subject) in the period.</summary>
    public static async Task<Dictionary<Guid, SubjectActivity>> LoadAsync(EvaluationDbContext db, Guid countyId, PeriodSpan span, CancellationToken cancellationToken, Guid? subjectId = null)
    {
        var rows = await Sql.QueryAsync(db, $"""
            SELECT subject_kind, subject_id,
                   count(*) FILTER (WHERE kind = 'request_completed')::int,
                   count(*) FILTER (WHERE kind = 'activity_attended')::int,
                   coalesce(sum(service_minutes) FILTER (WHERE kind = 'service_time'), 0)::int,
                   count(*) FILTER (WHERE kind = 'request_rated' AND detail = 'satisfied')::int
            FROM service_records s
            WHERE county_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND ($4::uuid IS NULL OR subject_id = $4) AND {RecordKinds.NotCancelledSql}
            GROUP BY subject_kind, subject_id
            """, r => new SubjectActivity(r.GetString(0), r.GetGuid(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5)), cancellationToken,
            countyId, span.From, span.To, new NpgsqlParameter { Value = (object?)subjectId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        return rows.ToDictionary(r => r.SubjectId);
    }
}
