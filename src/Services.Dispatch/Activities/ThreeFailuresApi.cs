using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

public sealed record FailingMember(Guid MemberId, string Code, string Name, Guid UnitId, Guid CommunityId, Guid? GridId);

/// <param name="Members">Members who should report (active members of units paired in the period) in the group.</param>
/// <param name="NotReportedCount">应报不报: no confirmed member report by the end of the period.</param>
/// <param name="ReportedAbsentCount">报而不到: a confirmed report, but no check-in at any activity of the period.</param>
/// <param name="PresentIdleCount">到而不干: checked in at an activity of the period, but no attendance of the period has an outcome.</param>
/// <param name="NotReported">The members behind the count (empty with <c>members=false</c>); so the two lists after it.</param>
public sealed record ThreeFailuresGroup(
    Guid Id, string Name, int Members, int NotReportedCount, int ReportedAbsentCount, int PresentIdleCount,
    IReadOnlyList<FailingMember> NotReported, IReadOnlyList<FailingMember> ReportedAbsent, IReadOnlyList<FailingMember> PresentIdle);

/// <param name="Units">Per unit of the members (their 单位).</param>
/// <param name="Communities">Per home community of the members (where they report and serve).</param>
public sealed record ThreeFailuresResponse(
    DateOnly From, DateOnly To, ThreeFailuresGroup County, IReadOnlyList<ThreeFailuresGroup> Units, IReadOnlyList<ThreeFailuresGroup> Communities);

/// <summary>
/// The three failures the mechanism exists to end — 应报不报 (should report, didn't), 报而不到
/// (reported, never shows up), 到而不干 (shows up, does nothing) — for a period of the county's
/// calendar, per unit, per community and for the county, with the members behind every number.
/// </summary>
public static class ThreeFailuresApi
{
    private const int LongestPeriodDays = 366;

    public static RouteGroupBuilder MapThreeFailuresApi(this RouteGroupBuilder county)
    {
        county.MapGet("/three-failures", Get).WithTags("Three failures").WithName("dispatch.GetThreeFailures")
            .WithSummary("应报不报, 报而不到, 到而不干 for a period, per unit, per community and for the county, with the member lists")
            .WithDescription("Who counts: active members whose unit has a pairing active on some day of the period. 应报不报: no member report confirmed by the end of the period. " +
                "报而不到: a confirmed report, no check-in at any (not cancelled) activity starting in the period. 到而不干: checked in at such an activity, no outcome on any of those attendances. " +
                "from/to are dates of the county's calendar, both inclusive, at most 366 days apart; communityId filters by home community, unitId by unit. " +
                "members=false answers the counts alone (the member lists empty): a county's lists name each member once per level.");
        return county;
    }

    private static async Task<Results<Ok<ThreeFailuresResponse>, ValidationProblem>> Get(
        string? from, string? to, string? communityId, string? unitId, bool? members, DispatchDbContext db, ITenantContext tenant, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var communityFilter = OptionalId(errors, "communityId", communityId);
        var unitFilter = OptionalId(errors, "unitId", unitId);
        var fromDay = ActivitiesApi.OptionalDate(errors, "from", from);
        var toDay = ActivitiesApi.OptionalDate(errors, "to", to);
        if (from is null or "")
        {
            errors.Add("from", "'from' is required (yyyy-MM-dd).");
        }
        if (to is null or "")
        {
            errors.Add("to", "'to' is required (yyyy-MM-dd).");
        }
        if (fromDay is { } f && toDay is { } t)
        {
            if (t < f)
            {
                errors.Add("to", "'to' must not be before 'from'.");
            }
            else if (t.DayNumber - f.DayNumber >= LongestPeriodDays)
            {
                errors.Add("to", $"The period spans at most {LongestPeriodDays} days.");
            }
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var first = fromDay!.Value;
        var last = toDay!.Value;
        var calendar = ActivityCalendar.Of(tenant.County);
        var periodStart = calendar.StartOf(first);
        var periodEnd = calendar.StartOf(last.AddDays(1));

        // Who should report: the members of units paired on some day of the period, who were members on
        // some day of it (joined before its end, not left before its start; a member left without a
        // known date is no longer counted). A member is counted under their unit and community now.
        var pairings = db.ReplicaPairings;
        var counted = db.ReplicaMembers.AsNoTracking()
            .Where(m => (m.Status == "active" || (m.LeftAt != null && m.LeftAt >= periodStart)) && (m.JoinedAt == null || m.JoinedAt < periodEnd)
                        && m.UnitId != null
                        && pairings.Any(p => p.UnitId == m.UnitId && p.StartsOn <= last && (p.EndsOn == null || p.EndsOn >= first)));
        if (communityFilter is { } community)
        {
            counted = counted.Where(m => m.CommunityId == community);
        }
        if (unitFilter is { } unit)
        {
            counted = counted.Where(m => m.UnitId == unit);
        }
        var shouldReport = await counted
            .Select(m => new FailingMember(m.Id, m.Code, m.Name, m.UnitId!.Value, m.CommunityId, m.GridId))
            .ToListAsync(cancellationToken);
        var memberIds = shouldReport.Select(m => m.MemberId).ToList();

        // Reported: a report that stood on some day of the period (confirmed before its end, not withdrawn
        // before its start), whatever has become of it since.
        var reported = (await db.ReplicaReports.AsNoTracking()
            .Where(r => r.Kind == "member" && r.MemberId != null && memberIds.Contains(r.MemberId.Value)
                        && (r.ConfirmedAt != null
                            ? r.ConfirmedAt < periodEnd && (r.WithdrawnAt == null || r.WithdrawnAt >= periodStart)
                            : r.Status == "confirmed"))
            .Select(r => r.MemberId!.Value).Distinct().ToListAsync(cancellationToken)).ToHashSet();

        var activities = db.Activities.Where(a => a.StartsAt >= periodStart && a.StartsAt < periodEnd && a.Status != ActivityStatus.Cancelled);
        var attended = await db.Attendances.AsNoTracking()
            .Where(a => memberIds.Contains(a.MemberId) && activities.Any(x => x.Id == a.ActivityId))
            .GroupBy(a => a.MemberId)
            .Select(g => new { MemberId = g.Key, WithOutcome = g.Count(a => a.Outcome != null) })
            .ToDictionaryAsync(g => g.MemberId, g => g.WithOutcome, cancellationToken);

        var unitIds = shouldReport.Select(m => m.UnitId).Distinct().ToList();
        var communityIds = shouldReport.Select(m => m.CommunityId).Distinct().ToList();
        var unitNames = await db.ReplicaOrganisations.AsNoTracking().Where(o => unitIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        var communityNames = await db.ReplicaAreas.AsNoTracking().Where(a => communityIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);

        ThreeFailuresGroup Group(Guid id, string name, IEnumerable<FailingMember> group)
        {
            var ordered = group.OrderBy(m => m.Code, StringComparer.Ordinal).ThenBy(m => m.MemberId).ToList();
            var notReported = ordered.Where(m => !reported.Contains(m.MemberId)).ToList();
            var reportedAbsent = ordered.Where(m => reported.Contains(m.MemberId) && !attended.ContainsKey(m.MemberId)).ToList();
            var presentIdle = ordered.Where(m => attended.TryGetValue(m.MemberId, out var withOutcome) && withOutcome == 0).ToList();
            var named = members is not false;
            return new ThreeFailuresGroup(id, name, ordered.Count, notReported.Count, reportedAbsent.Count, presentIdle.Count,
                named ? notReported : [], named ? reportedAbsent : [], named ? presentIdle : []);
        }

        var units = shouldReport.GroupBy(m => m.UnitId)
            .Select(g => Group(g.Key, unitNames.GetValueOrDefault(g.Key, ""), g))
            .OrderBy(g => g.Name, StringComparer.Ordinal).ThenBy(g => g.Id).ToList();
        var communities = shouldReport.GroupBy(m => m.CommunityId)
            .Select(g => Group(g.Key, communityNames.GetValueOrDefault(g.Key, ""), g))
            .OrderBy(g => g.Name, StringComparer.Ordinal).ThenBy(g => g.Id).ToList();
        var countyGroup = Group(tenant.CountyId!.Value, tenant.County?.Name ?? "", shouldReport);
        return TypedResults.Ok(new ThreeFailuresResponse(first, last, countyGroup, units, communities));
    }

    /// <summary>An optional id from the query string, where an empty value (<c>unitId=</c>) means no filter.</summary>
    private static Guid? OptionalId(ValidationErrors errors, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }
        errors.Add(field, $"'{field}' must be an id (a UUID) or empty.");
        return null;
    }
}
