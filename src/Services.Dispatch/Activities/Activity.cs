using System.Security.Cryptography;
using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

public enum ActivityKind
{
    /// <summary>集中报到周: the county's Nth week of each month (default the second).</summary>
    ReportingWeek,

    /// <summary>主题党日: a day of the reporting week (default its Friday, "红色星期五").</summary>
    ThemedPartyDay,

    /// <summary>共建项目.</summary>
    CoConstruction,

    /// <summary>民生实事.</summary>
    LivelihoodTask,

    /// <summary>联席会议: where units claim the month's demand list.</summary>
    JointMeeting,

    VolunteerService,
}

/// <summary>planned → open → completed, or cancelled from planned or open.</summary>
public enum ActivityStatus
{
    Planned,
    Open,
    Completed,
    Cancelled,
}

/// <summary>An activity of a community that members sign up for and attend.</summary>
public sealed class Activity : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public ActivityKind Kind { get; init; }

    /// <summary>The community or village it takes place in.</summary>
    public Guid CommunityId { get; init; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    public string? Place { get; set; }

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset EndsAt { get; set; }

    /// <summary>How many members may sign up; null for no limit. Walk-ins may still check in.</summary>
    public int? Capacity { get; set; }

    /// <summary>The unit organisation that runs it, if any.</summary>
    public Guid? OrganiserUnitId { get; set; }

    public ActivityStatus Status { get; set; }

    /// <summary>The code shown on site (as a QR code) that members check in and out with; rotatable.</summary>
    public required string CheckInCode { get; set; }

    /// <summary>The month (its first day) the activity was generated for from the county's rules; null when created by hand.</summary>
    public DateOnly? GeneratedFor { get; init; }

    /// <summary>
    /// When staff last set the times by hand; null while they are the generation's. A generated activity
    /// whose times were never set by hand follows the county's rules until it begins (see <see cref="ActivityGenerator"/>).
    /// </summary>
    public DateTimeOffset? ScheduleSetAt { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? OpenedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public string? CancelReason { get; set; }

    public int Version { get; set; }

    public bool IsClosed => Status is ActivityStatus.Completed or ActivityStatus.Cancelled;

    /// <summary>Six characters without look-alikes (no 0/O, 1/I/L), easy to type from a poster.</summary>
    public static string NewCheckInCode() => RandomNumberGenerator.GetString("ABCDEFGHJKMNPQRSTUVWXYZ23456789", 6);
}

/// <summary>A member's sign-up (报名) for an activity, until cancelled.</summary>
public sealed class ActivitySignUp : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid ActivityId { get; init; }

    public Guid MemberId { get; init; }

    public DateTimeOffset SignedUpAt { get; init; }

    public DateTimeOffset? CancelledAt { get; set; }
}

public enum AttendanceMethod
{
    /// <summary>With the activity's check-in code (the member scanned the QR code).</summary>
    Code,

    /// <summary>Recorded by staff, naming themselves.</summary>
    Staff,
}

/// <summary>A member at an activity: checked in, checked out, and what they did there (the outcome).</summary>
public sealed class Attendance : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid ActivityId { get; init; }

    public Guid MemberId { get; init; }

    /// <summary>The member's unit when they checked in.</summary>
    public Guid? UnitId { get; init; }

    /// <summary>False for a walk-in (checked in without a sign-up).</summary>
    public bool SignedUp { get; init; }

    public DateTimeOffset CheckedInAt { get; init; }

    public AttendanceMethod CheckInMethod { get; init; }

    /// <summary>The staff member who recorded the check-in (staff method only).</summary>
    public string? CheckedInBy { get; init; }

    public DateTimeOffset? CheckedOutAt { get; set; }

    public AttendanceMethod? CheckOutMethod { get; set; }

    public string? CheckedOutBy { get; set; }

    /// <summary>What the time from check-in to check-out earns (see <see cref="ServiceMinutesOf"/>); 0 until checked out.</summary>
    public int ServiceMinutes { get; set; }

    /// <summary>What the member did (干); null while nothing is recorded.</summary>
    public string? Outcome { get; set; }

    public List<string> EvidenceUrls { get; set; } = [];

    public DateTimeOffset? OutcomeRecordedAt { get; set; }

    public int Version { get; set; }

    /// <summary>
    /// The most one attendance earns on one day of the county's calendar. A member checked in at a
    /// week-long activity (the reporting week runs Monday to Monday) is not serving around the clock.
    /// </summary>
    public static readonly TimeSpan DailyServiceLimit = TimeSpan.FromHours(8);

    /// <summary>
    /// Service minutes of a member present from <paramref name="checkedIn"/> to <paramref name="checkedOut"/>:
    /// the part of that time within the activity's own times, counted per day of the county's calendar
    /// and at most <see cref="DailyServiceLimit"/> a day, in whole minutes. Arriving early or leaving
    /// late earns nothing more; a presence wholly outside the activity's times earns 0.
    /// </summary>
    public static int ServiceMinutesOf(DateTimeOffset checkedIn, DateTimeOffset checkedOut, Activity activity, ActivityCalendar calendar)
    {
        var from = checkedIn > activity.StartsAt ? checkedIn : activity.StartsAt;
        var to = checkedOut < activity.EndsAt ? checkedOut : activity.EndsAt;
        var served = TimeSpan.Zero;
        while (from < to)
        {
            var nextDay = calendar.StartOf(calendar.DateOf(from).AddDays(1));
            var until = nextDay > from && nextDay < to ? nextDay : to;
            served += until - from < DailyServiceLimit ? until - from : DailyServiceLimit;
            from = until;
        }
        return (int)Math.Floor(served.TotalMinutes);
    }
}

internal sealed class ActivityConfiguration :
    IEntityTypeConfiguration<Activity>, IEntityTypeConfiguration<ActivitySignUp>, IEntityTypeConfiguration<Attendance>
{
    public void Configure(EntityTypeBuilder<Activity> activity)
    {
        activity.ToTable("activities");
        activity.HasKey(a => a.Id);
        activity.Property(a => a.Id).ValueGeneratedNever();
        activity.Property(a => a.Kind).HasConversion(Wire.Converter<ActivityKind>()).HasMaxLength(24);
        activity.Property(a => a.Status).HasConversion(Wire.Converter<ActivityStatus>()).HasMaxLength(16);
        activity.Property(a => a.Title).HasMaxLength(100);
        activity.Property(a => a.Description).HasMaxLength(2000);
        activity.Property(a => a.Place).HasMaxLength(200);
        activity.Property(a => a.CheckInCode).HasMaxLength(12);
        activity.Property(a => a.CancelReason).HasMaxLength(500);
        activity.Ignore(a => a.IsClosed);
        // Generation is idempotent: one activity of each generated kind per community and month.
        activity.HasIndex(a => new { a.CommunityId, a.Kind, a.GeneratedFor }).IsUnique().HasDatabaseName("ux_activities_generated");
        activity.HasIndex(a => a.StartsAt);
    }

    public void Configure(EntityTypeBuilder<ActivitySignUp> signUp)
    {
        signUp.ToTable("activity_sign_ups");
        signUp.HasKey(s => s.Id);
        signUp.Property(s => s.Id).ValueGeneratedNever();
        // One live sign-up per member and activity; cancelled ones stay as history.
        signUp.HasIndex(s => new { s.ActivityId, s.MemberId }).IsUnique().HasFilter("cancelled_at IS NULL").HasDatabaseName("ux_activity_sign_ups_live");
        signUp.HasIndex(s => s.MemberId);
        signUp.HasOne<Activity>().WithMany().HasForeignKey(s => s.ActivityId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<Attendance> attendance)
    {
        attendance.ToTable("attendances");
        attendance.HasKey(a => a.Id);
        attendance.Property(a => a.Id).ValueGeneratedNever();
        attendance.Property(a => a.CheckInMethod).HasConversion(Wire.Converter<AttendanceMethod>()).HasMaxLength(8);
        attendance.Property(a => a.CheckOutMethod).HasConversion(Wire.Converter<AttendanceMethod>()).HasMaxLength(8);
        attendance.Property(a => a.CheckedInBy).HasMaxLength(50);
        attendance.Property(a => a.CheckedOutBy).HasMaxLength(50);
        attendance.Property(a => a.Outcome).HasMaxLength(2000);
        attendance.Property(a => a.EvidenceUrls).HasColumnType("text[]");
        // A member attends an activity once: a second check-in is refused, not doubled.
        attendance.HasIndex(a => new { a.ActivityId, a.MemberId }).IsUnique().HasDatabaseName("ux_attendances_activity_member");
        attendance.HasIndex(a => a.MemberId);
        attendance.HasOne<Activity>().WithMany().HasForeignKey(a => a.ActivityId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Row locks that order a change against the end of the record it belongs to, each held until its
/// transaction commits:
/// <list type="bullet">
/// <item>attendance and an activity's end exclude each other: check-in, check-out and recording an
/// outcome hold the activity's row <c>FOR SHARE</c> (they do not wait for one another), cancelling and
/// completing hold it <c>FOR UPDATE</c>. So a cancellation or completion sees every attendance saved
/// before it, and none is saved after it at an activity it ended (which Evaluation would otherwise go
/// on counting);</item>
/// <item>claiming a monthly list's demand holds the list's row <c>FOR SHARE</c>; closing the list
/// updates the row, so it waits for the claims in flight, and a claim that waited for a closing reads
/// the list closed.</item>
/// </list>
/// Each takes the lock in the request's transaction, or in one begun here (returned, for the caller to commit).
/// </summary>
internal static class RowLocks
{
    public static Task<IDbContextTransaction?> ActivityAsync(DispatchDbContext db, Guid activityId, bool exclusive, CancellationToken cancellationToken) =>
        exclusive
            ? HoldAsync(db, $"SELECT 1 FROM activities WHERE id = {activityId} FOR UPDATE", cancellationToken)
            : HoldAsync(db, $"SELECT 1 FROM activities WHERE id = {activityId} FOR SHARE", cancellationToken);

    public static Task<IDbContextTransaction?> MonthlyListAsync(DispatchDbContext db, Guid listId, CancellationToken cancellationToken) =>
        HoldAsync(db, $"SELECT 1 FROM monthly_lists WHERE id = {listId} FOR SHARE", cancellationToken);

    private static async Task<IDbContextTransaction?> HoldAsync(DispatchDbContext db, FormattableString sql, CancellationToken cancellationToken)
    {
        var transaction = await db.BeginUnlessInTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync(sql, cancellationToken);
        return transaction;
    }
}
