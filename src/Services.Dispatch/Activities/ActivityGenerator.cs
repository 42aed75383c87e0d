using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

/// <summary>
/// Makes a month's reporting week (集中报到周) and themed party day (主题党日) for every community of
/// the county from the county's settings in effect when the month begins. Idempotent: what exists
/// is kept, and the unique index on (community, kind, month) refuses a duplicate made concurrently.
/// </summary>
public static class ActivityGenerator
{
    /// <summary>The themed party day runs 09:00–12:00 county time.</summary>
    public static readonly TimeOnly ThemedDayStarts = new(9, 0);
    public static readonly TimeOnly ThemedDayEnds = new(12, 0);

    private const int DefaultReportingWeek = 2;
    private const DayOfWeek DefaultThemedDay = DayOfWeek.Friday;

    /// <summary>Adds (unsaved) the month's missing generated activities and returns them.</summary>
    public static async Task<IReadOnlyList<Activity>> AddMissingAsync(
        DispatchDbContext db, County county, DateOnly month, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var calendar = ActivityCalendar.Of(county);
        var (reportingWeek, themedDay) = await RulesAsync(db, calendar.StartOf(month), cancellationToken);
        var (monday, themedDate) = ActivityCalendar.ReportingWeek(month, reportingWeek, themedDay);

        var communities = await db.Set<ReplicaArea>().AsNoTracking()
            .Where(a => ReplicaReferences.CommunityLevels.Contains(a.Level) && a.RetiredAt == null)
            .OrderBy(a => a.Code).ToListAsync(cancellationToken);
        var existing = (await db.Activities.AsNoTracking()
            .Where(a => a.GeneratedFor == month)
            .Select(a => new { a.CommunityId, a.Kind })
            .ToListAsync(cancellationToken))
            .Select(a => (a.CommunityId, a.Kind)).ToHashSet();

        var label = $"{month.Year}年{month.Month}月";
        var created = new List<Activity>();
        foreach (var community in communities)
        {
            if (!existing.Contains((community.Id, ActivityKind.ReportingWeek)))
            {
                created.Add(New(ActivityKind.ReportingWeek, community, month, label + "集中报到周",
                    "在职党员到居住地社区集中报到、认领服务。", calendar.StartOf(monday), calendar.StartOf(monday.AddDays(7)), now));
            }
            if (!existing.Contains((community.Id, ActivityKind.ThemedPartyDay)))
            {
                created.Add(New(ActivityKind.ThemedPartyDay, community, month, label + "主题党日",
                    "集中报到周主题党日活动。", calendar.At(themedDate, ThemedDayStarts), calendar.At(themedDate, ThemedDayEnds), now));
            }
        }
        db.Activities.AddRange(created);
        return created;
    }

    /// <summary>
    /// The reporting week and themed day in effect at a moment: the settings version in effect then,
    /// else (a month before the county's first settings) its first version, else the defaults.
    /// </summary>
    private static async Task<(int Week, DayOfWeek ThemedDay)> RulesAsync(DispatchDbContext db, DateTimeOffset moment, CancellationToken cancellationToken)
    {
        var settings = await db.Set<ReplicaCountySettings>().SettingsAtAsync(moment, cancellationToken)
            ?? await db.Set<ReplicaCountySettings>().Standing().OrderBy(s => s.Version).FirstOrDefaultAsync(cancellationToken);
        return settings is null
            ? (DefaultReportingWeek, DefaultThemedDay)
            : (settings.Settings.ReportingWeek, settings.Settings.ThemedDay);
    }

    private static Activity New(
        ActivityKind kind, ReplicaArea community, DateOnly month, string title, string description, DateTimeOffset startsAt, DateTimeOffset endsAt, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Kind = kind,
        CommunityId = community.Id,
        Title = title,
        Description = description,
        Place = community.Name,
        StartsAt = startsAt,
        EndsAt = endsAt,
        Status = ActivityStatus.Planned,
        CheckInCode = Activity.NewCheckInCode(),
        GeneratedFor = month,
        CreatedAt = now,
    };
}
