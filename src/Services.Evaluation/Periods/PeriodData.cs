using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Platform.Contracts.Registry;
using Platform.Evaluation.Records;
using Platform.Evaluation.Stars;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Periods;

/// <summary>A member as the figures need them (Evaluation's copy of Registry's record).</summary>
public sealed record DirectoryMember(Guid Id, string Code, string Name, Guid? UnitId, Guid CommunityId, Guid? GridId, bool Active);

public sealed record DirectoryArea(Guid Id, string Code, string Name, string Level, Guid? ParentId, bool Retired);

public sealed record DirectoryUnit(Guid Id, string Code, string Name, bool Retired);

/// <summary>A member's confirmed report (报到) to a community.</summary>
public sealed record DirectoryReport(Guid MemberId, Guid CommunityId, DateTimeOffset ConfirmedAt, DateTimeOffset? WithdrawnAt);

/// <summary>The county's tree, units, members and reports as Evaluation's copies hold them now.</summary>
public sealed class CountyDirectory
{
    public required IReadOnlyDictionary<Guid, DirectoryMember> Members { get; init; }

    public required IReadOnlyDictionary<Guid, DirectoryArea> Areas { get; init; }

    public required IReadOnlyDictionary<Guid, DirectoryUnit> Units { get; init; }

    public required IReadOnlyList<DirectoryReport> MemberReports { get; init; }

    /// <summary>Communities and villages not retired, by code.</summary>
    public IEnumerable<DirectoryArea> Communities => Areas.Values.Where(a => a.Level is "community" or "village" && !a.Retired).OrderBy(a => a.Code, StringComparer.Ordinal);

    public Guid? StreetOf(Guid communityId) => Areas.TryGetValue(communityId, out var c) && c.ParentId is { } p && Areas.TryGetValue(p, out var s) && s.Level is "street" or "township" ? s.Id : null;

    /// <summary>Members whose confirmed report to a community stood at the moment (confirmed before, not withdrawn by then), active now.</summary>
    public IEnumerable<DirectoryReport> ReportedAt(DateTimeOffset moment) => MemberReports
        .Where(r => r.ConfirmedAt < moment && (r.WithdrawnAt is null || r.WithdrawnAt >= moment))
        .Where(r => Members.TryGetValue(r.MemberId, out var m) && m.Active);

    public static async Task<CountyDirectory> LoadAsync(EvaluationDbContext db, CancellationToken cancellationToken)
    {
        var members = await db.Members.AsNoTracking()
            .Select(m => new DirectoryMember(m.Id, m.Code, m.Name, m.UnitId, m.CommunityId, m.GridId, m.Status == "active")).ToListAsync(cancellationToken);
        var areas = await db.Areas.AsNoTracking()
            .Select(a => new DirectoryArea(a.Id, a.Code, a.Name, a.Level, a.ParentId, a.RetiredAt != null)).ToListAsync(cancellationToken);
        var units = await db.Organisations.AsNoTracking()
            .Where(o => o.Kind == "government_unit" || o.Kind == "enterprise" || o.Kind == "institution")
            .Select(o => new DirectoryUnit(o.Id, o.Code, o.Name, o.RetiredAt != null)).ToListAsync(cancellationToken);
        var reports = await db.Reports.AsNoTracking()
            .Where(r => r.Kind == "member" && r.MemberId != null && r.ConfirmedAt != null)
            .Select(r => new DirectoryReport(r.MemberId!.Value, r.CommunityId, r.ConfirmedAt!.Value, r.Status == "withdrawn" ? r.WithdrawnAt ?? r.ConfirmedAt : null))
            .ToListAsync(cancellationToken);
        return new CountyDirectory
        {
            Members = members.ToDictionary(m => m.Id), Areas = areas.ToDictionary(a => a.Id), Units = units.ToDictionary(u => u.Id), MemberReports = reports,
        };
    }
}

/// <summary>A member who served somewhere in the period (a check-in, or a completed request), by community.</summary>
public sealed record ServedIn(Guid MemberId, Guid CommunityId, string Kind);

/// <summary>
/// Everything a period's figures are computed from, read once: the county's directory, the members'
/// points (from the stored tallies), every request's outcome, who served where, and the rules in
/// effect. For a closed period the request events stop at the close's watermark.
/// </summary>
public sealed class PeriodData
{
    public required County County { get; init; }

    public required TimeZoneInfo Zone { get; init; }

    public required PeriodSpan Span { get; init; }

    public required CountyDirectory Directory { get; init; }

    /// <summary>Points per member over the period's months; for a week, those of the lines that occurred in it (points are booked per month).</summary>
    public required IReadOnlyDictionary<Guid, decimal> Points { get; init; }

    public required IReadOnlyList<Rates.RequestOutcome> Outcomes { get; init; }

    public required IReadOnlyList<ServedIn> Served { get; init; }

    /// <summary>Service minutes per member in the period.</summary>
    public required IReadOnlyDictionary<Guid, int> ServiceMinutes { get; init; }

    /// <summary>Members' check-ins at activities in the period.</summary>
    public required int Attendances { get; init; }

    public required CountySettings? Settings { get; init; }

    public required StarRules StarRules { get; init; }

    public Period Period => Span.Period;

    /// <summary>The moment the figures look at: the period's end, or now while it runs.</summary>
    public DateTimeOffset AsOf { get; init; }

    public static async Task<PeriodData> LoadAsync(EvaluationDbContext db, County county, Period period, DateTimeOffset now, long? requestSeq, CancellationToken cancellationToken)
    {
        var zone = CountyCalendar.Zone(county.TimeZone);
        var span = PeriodSpan.Of(period, zone);
        var asOf = span.To < now ? span.To : now;
        var directory = await CountyDirectory.LoadAsync(db, cancellationToken);
        var points = period.Kind == PeriodKind.Week
            ? await Evaluation.Points.PointsFigures.OfWeekAsync(db, county.Id, span, cancellationToken)
            : await Evaluation.Points.PointsFigures.FromTalliesAsync(db, county.Id, period.Months, cancellationToken);
        var outcomes = await Rates.RequestOutcome.LoadAsync(db, county.Id, span, requestSeq, cancellationToken);
        var served = await Sql.QueryAsync(db, $"""
            SELECT DISTINCT subject_id, community_id, kind FROM service_records s
            WHERE county_id = $1 AND subject_kind = 'member' AND kind = ANY($2) AND occurred_at >= $3 AND occurred_at < $4 AND community_id IS NOT NULL
                AND {RecordKinds.NotCancelledSql}
            """, r => new ServedIn(r.GetGuid(0), r.GetGuid(1), r.GetString(2)), cancellationToken,
            county.Id, new NpgsqlParameter { Value = RecordKinds.Services.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar }, span.From, span.To);
        var minutes = await Sql.QueryAsync(db, $"""
            SELECT subject_id, sum(service_minutes)::int FROM service_records s
            WHERE county_id = $1 AND subject_kind = 'member' AND kind = 'service_time' AND occurred_at >= $2 AND occurred_at < $3
                AND {RecordKinds.NotCancelledSql}
            GROUP BY subject_id
            """, r => (r.GetGuid(0), r.GetInt32(1)), cancellationToken, county.Id, span.From, span.To);
        var attendances = (await Sql.QueryAsync(db, $"""
            SELECT count(*)::int FROM service_records s
            WHERE county_id = $1 AND subject_kind = 'member' AND kind = 'activity_attended' AND occurred_at >= $2 AND occurred_at < $3
                AND {RecordKinds.NotCancelledSql}
            """, r => r.GetInt32(0), cancellationToken, county.Id, span.From, span.To))[0];
        var settings = (await Ledger.SettingsAtAsync(db, county.Id, asOf, cancellationToken))?.Settings;
        var starRules = await StarSchemes.RulesAtAsync(db, asOf, cancellationToken);
        return new PeriodData
        {
            County = county, Zone = zone, Span = span, Directory = directory, Points = points, Outcomes = outcomes, Served = served,
            ServiceMinutes = minutes.ToDictionary(m => m.Item1, m => m.Item2), Attendances = attendances, Settings = settings, StarRules = starRules, AsOf = asOf,
        };
    }
}
