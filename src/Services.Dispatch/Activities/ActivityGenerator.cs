using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

/// <summary>
/// Makes a month's reporting week (集中报到周) and themed party day (主题党日) for every community of
/// the county from the county's settings in effect when the month begins. Idempotent: what exists
/// is kept, and the unique index on (community, kind, month) refuses a duplicate made concurrently.
/// A generated activity follows the rules when they change (a new settings version, one withdrawn):
/// while it is planned, has not begun and staff never set its times by hand, it moves to the dates
/// the rules now give, unless those have begun already, and <see cref="Contracts.Dispatch.ActivityRescheduled"/> announces it.
/// </summary>
public static class ActivityGenerator
{
    /// <summary>The themed party day runs 09:00–12:00 county time.</summary>
    public static readonly TimeOnly ThemedDayStarts = new(9, 0);
    public static readonly TimeOnly ThemedDayEnds = new(12, 0);

    private const int DefaultReportingWeek = 2;
    private const DayOfWeek DefaultThemedDay = DayOfWeek.Friday;

    /// <summary>What one generation of a month changed (unsaved): the activities it added and those it moved.</summary>
    public sealed record Changes(IReadOnlyList<Activity> Created, IReadOnlyList<Activity> Rescheduled)
    {
        public bool Any => Created.Count > 0 || Rescheduled.Count > 0;
    }

    /// <summary>Adds the month's missing generated activities and moves those the rules now place elsewhere, unsaved.</summary>
    public static async Task<Changes> GenerateAsync(
        DispatchDbContext db, County county, DateOnly month, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var calendar = ActivityCalendar.Of(county);
        var (reportingWeek, themedDay) = await RulesAsync(db, calendar.StartOf(month), cancellationToken);
        var (monday, themedDate) = ActivityCalendar.ReportingWeek(month, reportingWeek, themedDay);
        var schedule = new Dictionary<ActivityKind, (DateTimeOffset StartsAt, DateTimeOffset EndsAt)>
        {
            [ActivityKind.ReportingWeek] = (calendar.StartOf(monday), calendar.StartOf(monday.AddDays(7))),
            [ActivityKind.ThemedPartyDay] = (calendar.At(themedDate, ThemedDayStarts), calendar.At(themedDate, ThemedDayEnds)),
        };

        var communities = await db.Set<ReplicaArea>().AsNoTracking()
            .Where(a => ReplicaReferences.CommunityLevels.Contains(a.Level) && a.RetiredAt == null)
            .OrderBy(a => a.Code).ToListAsync(cancellationToken);
        var existing = await db.Activities.Where(a => a.GeneratedFor == month).ToListAsync(cancellationToken);
        var made = existing.Select(a => (a.CommunityId, a.Kind)).ToHashSet();

        var label = $"{month.Year}年{month.Month}月";
        var created = new List<Activity>();
        foreach (var community in communities)
        {
            if (!made.Contains((community.Id, ActivityKind.ReportingWeek)))
            {
                created.Add(New(ActivityKind.ReportingWeek, community, month, label + "集中报到周",
                    "在职党员到居住地社区集中报到、认领服务。", schedule[ActivityKind.ReportingWeek], now));
            }
            if (!made.Contains((community.Id, ActivityKind.ThemedPartyDay)))
            {
                created.Add(New(ActivityKind.ThemedPartyDay, community, month, label + "主题党日",
                    "集中报到周主题党日活动。", schedule[ActivityKind.ThemedPartyDay], now));
            }
        }
        db.Activities.AddRange(created);

        var moves = new List<(Activity Activity, DateTimeOffset PreviousStartsAt, DateTimeOffset PreviousEndsAt)>();
        foreach (var activity in existing)
        {
            if (schedule.TryGetValue(activity.Kind, out var times) && FollowsRules(activity, now)
                && times.StartsAt > now && (activity.StartsAt, activity.EndsAt) != times)
            {
                moves.Add((activity, activity.StartsAt, activity.EndsAt));
                (activity.StartsAt, activity.EndsAt) = times;
            }
        }
        await ActivityRescheduling.AnnounceAsync(db, moves, ActivityRescheduling.ByRules, now, cancellationToken);
        return new Changes(created, [.. moves.Select(m => m.Activity)]);
    }

    /// <summary>
    /// Everything the rules decide from now on, unsaved: this month's and next month's activities made
    /// or moved, and those generated ahead for later months (by hand) moved.
    /// </summary>
    public static async Task<Changes> GenerateAheadAsync(DispatchDbContext db, County county, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var thisMonth = ActivityCalendar.Of(county).MonthOf(now);
        var nextMonth = thisMonth.AddMonths(1);
        var later = await db.Activities.AsNoTracking()
            .Where(a => a.GeneratedFor > nextMonth && a.Status == ActivityStatus.Planned && a.ScheduleSetAt == null && a.StartsAt > now)
            .Select(a => a.GeneratedFor!.Value).Distinct().ToListAsync(cancellationToken);
        var (created, rescheduled) = (new List<Activity>(), new List<Activity>());
        foreach (var month in later.Order().Prepend(nextMonth).Prepend(thisMonth))
        {
            var changes = await GenerateAsync(db, county, month, now, cancellationToken);
            created.AddRange(changes.Created);
            rescheduled.AddRange(changes.Rescheduled);
        }
        return new Changes(created, rescheduled);
    }

    /// <summary>Whether the rules still decide the activity's times: planned, not begun, never set by hand.</summary>
    private static bool FollowsRules(Activity activity, DateTimeOffset now) =>
        activity is { Status: ActivityStatus.Planned, ScheduleSetAt: null } && activity.StartsAt > now;

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
        ActivityKind kind, ReplicaArea community, DateOnly month, string title, string description, (DateTimeOffset StartsAt, DateTimeOffset EndsAt) times, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Kind = kind,
        CommunityId = community.Id,
        Title = title,
        Description = description,
        Place = community.Name,
        StartsAt = times.StartsAt,
        EndsAt = times.EndsAt,
        Status = ActivityStatus.Planned,
        CheckInCode = Activity.NewCheckInCode(),
        GeneratedFor = month,
        CreatedAt = now,
    };
}
