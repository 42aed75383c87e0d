using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Dispatch;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

/// <param name="Kind">reporting_week (集中报到周), themed_party_day (主题党日), co_construction (共建项目), livelihood_task (民生实事), joint_meeting (联席会议) or volunteer_service.</param>
/// <param name="CommunityId">The community or village it takes place in.</param>
/// <param name="Title">At most 100 characters.</param>
/// <param name="Capacity">How many members may sign up (1–10000); none for no limit.</param>
/// <param name="OrganiserUnitId">The unit organisation that runs it, optional.</param>
public sealed record CreateActivityRequest(
    [Required] string? Kind, [Required] Guid? CommunityId, [Required] string? Title, string? Description, string? Place, [Required] DateTimeOffset? StartsAt, [Required] DateTimeOffset? EndsAt,
    int? Capacity, Guid? OrganiserUnitId);

/// <summary>The whole editable part of an activity (kind and community stay).</summary>
public sealed record UpdateActivityRequest(
    [Required] string? Title, string? Description, string? Place, [Required] DateTimeOffset? StartsAt, [Required] DateTimeOffset? EndsAt, int? Capacity, Guid? OrganiserUnitId);

/// <param name="Month">yyyy-MM, the county's calendar.</param>
public sealed record GenerateActivitiesRequest([Required] string? Month);

public sealed record CancelActivityRequest(string? Reason);

/// <param name="GeneratedFor">The month (yyyy-MM) it was generated for from the county's rules; none when created by hand.</param>
/// <param name="ScheduleSetAt">When staff last set its times by hand; while none, a generated activity follows the county's rules until it begins.</param>
public sealed record ActivityResponse(
    Guid Id, ActivityKind Kind, Guid CommunityId, string Title, string? Description, string? Place, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    int? Capacity, Guid? OrganiserUnitId, ActivityStatus Status, string CheckInCode, string? GeneratedFor, DateTimeOffset? ScheduleSetAt, int SignedUp, int CheckedIn,
    DateTimeOffset CreatedAt, DateTimeOffset? OpenedAt, DateTimeOffset? CompletedAt, DateTimeOffset? CancelledAt, string? CancelReason, int Version)
{
    public static ActivityResponse From(Activity a, int signedUp, int checkedIn) =>
        new(a.Id, a.Kind, a.CommunityId, a.Title, a.Description, a.Place, a.StartsAt, a.EndsAt, a.Capacity, a.OrganiserUnitId, a.Status, a.CheckInCode,
            a.GeneratedFor is { } month ? ActivityCalendar.MonthText(month) : null, a.ScheduleSetAt, signedUp, checkedIn,
            a.CreatedAt, a.OpenedAt, a.CompletedAt, a.CancelledAt, a.CancelReason, a.Version);
}

/// <param name="Created">How many activities this call made (0 when the month was already generated).</param>
/// <param name="Rescheduled">How many existing ones it moved to the dates the county's rules now give.</param>
/// <param name="Activities">Every generated activity of the month, new or not, by community.</param>
public sealed record GenerateActivitiesResponse(string Month, int Created, int Rescheduled, IReadOnlyList<ActivityResponse> Activities);

/// <summary>
/// Activities of a community (集中报到周, 主题党日, 共建项目, 民生实事, 联席会议, volunteer service): generated
/// each month from the county's rules or created by hand; planned → open → completed, or cancelled.
/// Sign-up, attendance, the three failures and the monthly lists hang off here too.
/// </summary>
public static class ActivitiesApi
{
    private static readonly TimeSpan LongestActivity = TimeSpan.FromDays(31);

    public static RouteGroupBuilder MapActivitiesApi(this RouteGroupBuilder county)
    {
        var activities = county.MapGroup("/activities").WithTags("Activities");
        activities.MapPost("/", Create).WithName("dispatch.CreateActivity").WithSummary("Plan an activity in a community")
            .WithRequestExample(new
            {
                kind = "co_construction", communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", title = "共建文明小区：楼道清理",
                description = "结对单位党员与社区居民共同清理楼道杂物", place = "东门社区3号楼", startsAt = "2026-12-19T01:00:00Z", endsAt = "2026-12-19T04:00:00Z",
                capacity = 20, organiserUnitId = "01a206e3-9237-7525-a94d-620df108d365",
            });
        activities.MapPost("/generate", Generate).WithName("dispatch.GenerateActivities")
            .WithSummary("Make a month's reporting week and themed party day in every community")
            .WithDescription("From the county's settings in effect when the month begins (reporting week: the Nth Monday-to-Sunday week, default the second, or the week before when its working days would run into the next month; themed day: default its Friday, 09:00–12:00), in the county's time zone. Idempotent: a second call creates nothing. A generated activity still planned, not begun and never given its times by hand moves to the dates the rules now give (after a settings change), unless those have begun already.")
            .WithRequestExample(new { month = "2026-12" });
        activities.MapGet("/", List).WithName("dispatch.ListActivities").WithSummary("List activities by community, kind, status or dates (county calendar)");
        activities.MapGet("/{id:guid}", Get).WithName("dispatch.GetActivity").WithSummary("Get an activity with its sign-up and check-in counts");
        activities.MapPut("/{id:guid}", Update).WithName("dispatch.UpdateActivity").WithSummary("Change a planned or open activity (If-Match)");
        activities.MapPost("/{id:guid}/open", Open).WithName("dispatch.OpenActivity").WithSummary("Open a planned activity for check-in");
        activities.MapPost("/{id:guid}/cancel", Cancel).WithName("dispatch.CancelActivity").WithSummary("Cancel a planned or open activity")
            .WithDescription("Publishes ActivityCancelled with the attendances it voids: their check-ins no longer count.");
        activities.MapPost("/{id:guid}/complete", Complete).WithName("dispatch.CompleteActivity")
            .WithSummary("Complete an open activity; members still checked in are checked out at its end, at most a day's service after their check-in")
            .WithDescription("Publishes ActivityCompleted with the attendees and service minutes.");
        activities.MapPost("/{id:guid}/check-in-code", RotateCode).WithName("dispatch.RotateCheckInCode")
            .WithSummary("Replace the activity's check-in code (the old one stops working)");
        county.MapAttendanceApi();
        county.MapThreeFailuresApi();
        county.MapMonthlyListsApi();
        return county;
    }

    private static async Task<Results<Created<ActivityResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateActivityRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ActivityKind kind = default;
        if (request.Kind is null)
        {
            errors.Add("kind", $"'kind' is required: one of {Wire.Choices<ActivityKind>()}.");
        }
        else if (!Wire.TryParse(request.Kind, out kind))
        {
            errors.Add("kind", $"'kind' must be one of {Wire.Choices<ActivityKind>()}.");
        }
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required.");
        }
        Validate(errors, request.Title, request.Description, request.Place, request.StartsAt, request.EndsAt, request.Capacity);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await ReplicaReferences.CheckCommunityAsync(db, "communityId", request.CommunityId!.Value, cancellationToken) is { } communityProblem)
        {
            return communityProblem;
        }
        if (request.OrganiserUnitId is { } unitId && await ReplicaReferences.CheckUnitAsync(db, "organiserUnitId", unitId, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        var now = clock.GetUtcNow();
        var activity = new Activity
        {
            Id = Guid.CreateVersion7(now), Kind = kind, CommunityId = request.CommunityId.Value, Title = request.Title!.Trim(),
            Description = request.Description?.Trim(), Place = request.Place?.Trim(), StartsAt = request.StartsAt!.Value.ToUniversalTime(),
            EndsAt = request.EndsAt!.Value.ToUniversalTime(), Capacity = request.Capacity, OrganiserUnitId = request.OrganiserUnitId,
            Status = ActivityStatus.Planned, CheckInCode = Activity.NewCheckInCode(), CreatedAt = now,
        };
        db.Activities.Add(activity);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, activity);
        return TypedResults.Created(http.Request.Path.Add($"/{activity.Id}").Value, ActivityResponse.From(activity, 0, 0));
    }

    private static async Task<Results<Ok<GenerateActivitiesResponse>, ValidationProblem, ProblemHttpResult>> Generate(
        GenerateActivitiesRequest request, DispatchDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!ActivityCalendar.TryParseMonth(request.Month, out var month))
        {
            return new ValidationErrors().Add("month", $"'month' is required as yyyy-MM (e.g. 2026-12), of a year from {ActivityCalendar.Years}.").ToProblem();
        }
        var changes = await ActivityGenerator.GenerateAsync(db, tenant.County!, month, clock.GetUtcNow(), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_activities_generated"))
        {
            return ActivityProblems.Conflict(ProblemCodes.ConcurrencyConflict, "The month was being generated at the same moment; retry to see the result.");
        }
        var all = await SummariesAsync(db, db.Activities.Where(a => a.GeneratedFor == month), cancellationToken);
        var communities = await db.ReplicaAreas.AsNoTracking().Select(a => new { a.Id, a.Code }).ToDictionaryAsync(a => a.Id, a => a.Code, cancellationToken);
        var ordered = all.OrderBy(a => communities.GetValueOrDefault(a.CommunityId, ""), StringComparer.Ordinal).ThenBy(a => a.CommunityId).ThenBy(a => a.Kind).ToList();
        return TypedResults.Ok(new GenerateActivitiesResponse(ActivityCalendar.MonthText(month), changes.Created.Count, changes.Rescheduled.Count, ordered));
    }

    private static async Task<Results<Ok<Page<ActivityResponse>>, ValidationProblem>> List(
        Guid? communityId, string? kind, string? status, string? from, string? to, int? page, int? pageSize,
        DispatchDbContext db, ITenantContext tenant, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var kindFilter = errors.OptionalEnum<ActivityKind>("kind", kind);
        var statusFilter = errors.OptionalEnum<ActivityStatus>("status", status);
        var fromDay = OptionalDate(errors, "from", from);
        var toDay = OptionalDate(errors, "to", to);
        if (fromDay is { } f && toDay is { } t && t < f)
        {
            errors.Add("to", "'to' must not be before 'from'.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var calendar = ActivityCalendar.Of(tenant.County);
        var query = db.Activities.AsNoTracking();
        if (communityId is { } community)
        {
            query = query.Where(a => a.CommunityId == community);
        }
        if (kindFilter is { } k)
        {
            query = query.Where(a => a.Kind == k);
        }
        if (statusFilter is { } s)
        {
            query = query.Where(a => a.Status == s);
        }
        if (fromDay is { } day1)
        {
            var start = calendar.StartOf(day1);
            query = query.Where(a => a.StartsAt >= start);
        }
        if (toDay is { } day2)
        {
            var end = calendar.StartOf(day2.AddDays(1));
            query = query.Where(a => a.StartsAt < end);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await SummariesAsync(db, query.OrderBy(a => a.StartsAt).ThenBy(a => a.Id).Skip(paging.Skip).Take(paging.PageSize), cancellationToken);
        return TypedResults.Ok(new Page<ActivityResponse>(items, paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<ActivityResponse>, ProblemHttpResult>> Get(Guid id, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var activity = await db.Activities.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (activity is null)
        {
            return ActivityProblems.NotFound("activity", id);
        }
        ETags.Tag(http, activity);
        return TypedResults.Ok(await DetailAsync(db, activity, cancellationToken));
    }

    private static async Task<Results<Ok<ActivityResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateActivityRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        Validate(errors, request.Title, request.Description, request.Place, request.StartsAt, request.EndsAt, request.Capacity);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (activity, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (activity!.IsClosed)
        {
            return ActivityProblems.ActivityState("activity_closed", activity, "it can no longer change");
        }
        if (request.OrganiserUnitId is { } unitId && unitId != activity.OrganiserUnitId
            && await ReplicaReferences.CheckUnitAsync(db, "organiserUnitId", unitId, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        var signedUp = await db.ActivitySignUps.CountAsync(s => s.ActivityId == id && s.CancelledAt == null, cancellationToken);
        if (request.Capacity is { } capacity && capacity < signedUp)
        {
            return ActivityProblems.Conflict("capacity_below_sign_ups", $"{signedUp} members have signed up; cancel some sign-ups before lowering the capacity to {capacity}.", "capacity");
        }
        activity.Title = request.Title!.Trim();
        activity.Description = request.Description?.Trim();
        activity.Place = request.Place?.Trim();
        activity.Capacity = request.Capacity;
        activity.OrganiserUnitId = request.OrganiserUnitId;
        var (startsAt, endsAt) = (request.StartsAt!.Value.ToUniversalTime(), request.EndsAt!.Value.ToUniversalTime());
        if ((startsAt, endsAt) != (activity.StartsAt, activity.EndsAt))
        {
            // Times set by hand are kept: the county's rules no longer move a generated activity.
            var now = clock.GetUtcNow();
            var move = (activity, activity.StartsAt, activity.EndsAt);
            (activity.StartsAt, activity.EndsAt, activity.ScheduleSetAt) = (startsAt, endsAt, now);
            await ActivityRescheduling.AnnounceAsync(db, [move], ActivityRescheduling.ByStaff, now, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, activity);
        return TypedResults.Ok(await DetailAsync(db, activity, cancellationToken));
    }

    private static async Task<Results<Ok<ActivityResponse>, ProblemHttpResult>> Open(
        Guid id, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (activity, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (activity!.Status != ActivityStatus.Planned)
        {
            return ActivityProblems.ActivityState(activity.IsClosed ? "activity_closed" : "activity_not_planned", activity, "only a planned activity opens");
        }
        activity.Status = ActivityStatus.Open;
        activity.OpenedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, activity);
        return TypedResults.Ok(await DetailAsync(db, activity, cancellationToken));
    }

    private static async Task<Results<Ok<ActivityResponse>, ValidationProblem, ProblemHttpResult>> Cancel(
        Guid id, CancelActivityRequest? request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("reason", request?.Reason, maxLength: 500);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        await using var transaction = await RowLocks.ActivityAsync(db, id, exclusive: true, cancellationToken);
        var (activity, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (activity!.IsClosed)
        {
            return ActivityProblems.ActivityState("activity_closed", activity, "only a planned or open activity can be cancelled");
        }
        activity.Status = ActivityStatus.Cancelled;
        activity.CancelledAt = clock.GetUtcNow();
        activity.CancelReason = request?.Reason?.Trim();
        // A cancelled activity was not held: its check-ins stop counting, and Evaluation takes back what they earned.
        var attendances = await db.Attendances.AsNoTracking().Where(a => a.ActivityId == id).OrderBy(a => a.CheckedInAt).ThenBy(a => a.Id)
            .Select(a => new VoidedAttendance(a.Id, a.MemberId, a.UnitId, a.CheckedInAt, a.CheckedOutAt, a.ServiceMinutes))
            .ToListAsync(cancellationToken);
        var signedUp = (await ActivityRescheduling.SignedUpAsync(db, [id], cancellationToken))[id].ToList();
        db.Outbox.Publish(new ActivityCancelled(activity.CountyId, activity.Id, Wire.Of(activity.Kind), activity.CommunityId, activity.CancelReason,
            attendances, activity.CancelledAt.Value, db.Advance(activity), signedUp));
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, activity);
        return TypedResults.Ok(await DetailAsync(db, activity, cancellationToken));
    }

    private static async Task<Results<Ok<ActivityResponse>, ProblemHttpResult>> Complete(
        Guid id, DispatchDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        await using var transaction = await RowLocks.ActivityAsync(db, id, exclusive: true, cancellationToken);
        var (activity, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (activity!.Status != ActivityStatus.Open)
        {
            return ActivityProblems.ActivityState(activity.IsClosed ? "activity_closed" : "activity_not_open", activity, "only an open activity can be completed");
        }
        var now = clock.GetUtcNow();
        var calendar = ActivityCalendar.Of(tenant.County);
        var attendances = await db.Attendances.Where(a => a.ActivityId == id).ToListAsync(cancellationToken);
        foreach (var attendance in attendances.Where(a => a.CheckedOutAt is null))
        {
            // Nobody checks out at the end of a long day: the activity's end (or now, if earlier) stands in, but no later
            // than a day's service after the check-in. Nobody saw a member checked in on a week's Monday serve all week.
            var outAt = now < activity.EndsAt ? now : activity.EndsAt;
            var dayServed = attendance.CheckedInAt + Attendance.DailyServiceLimit;
            outAt = dayServed < outAt ? dayServed : outAt;
            attendance.CheckedOutAt = outAt > attendance.CheckedInAt ? outAt : attendance.CheckedInAt;
            attendance.CheckOutMethod = AttendanceMethod.Staff;
            attendance.CheckedOutBy = "activity completed";
            attendance.ServiceMinutes = Attendance.ServiceMinutesOf(attendance.CheckedInAt, attendance.CheckedOutAt.Value, activity, calendar);
            db.Advance(attendance);
            db.Outbox.Publish(AttendanceApi.Recorded(attendance, activity, AttendanceChange.CheckedOut, now));
        }
        activity.Status = ActivityStatus.Completed;
        activity.CompletedAt = now;
        db.Outbox.Publish(new ActivityCompleted(activity.CountyId, activity.Id, Wire.Of(activity.Kind), activity.CommunityId,
            activity.StartsAt, activity.EndsAt, attendances.Count, attendances.Sum(a => a.ServiceMinutes), now, db.Advance(activity), activity.Title));
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, activity);
        return TypedResults.Ok(await DetailAsync(db, activity, cancellationToken));
    }

    private static async Task<Results<Ok<ActivityResponse>, ProblemHttpResult>> RotateCode(
        Guid id, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var (activity, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (activity!.IsClosed)
        {
            return ActivityProblems.ActivityState("activity_closed", activity, "its check-in code no longer matters");
        }
        activity.CheckInCode = Activity.NewCheckInCode();
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, activity);
        return TypedResults.Ok(await DetailAsync(db, activity, cancellationToken));
    }

    /// <summary>The tracked activity, or 404, or 412 when If-Match names another version.</summary>
    internal static async Task<(Activity?, ProblemHttpResult?)> FindAsync(DispatchDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var activity = await db.Activities.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (activity is null)
        {
            return (null, ActivityProblems.NotFound("activity", id));
        }
        return ETags.PreconditionFailed(http, activity) is { } stale ? (null, stale) : (activity, null);
    }

    internal static async Task<ActivityResponse> DetailAsync(DispatchDbContext db, Activity activity, CancellationToken cancellationToken)
    {
        var signedUp = await db.ActivitySignUps.CountAsync(s => s.ActivityId == activity.Id && s.CancelledAt == null, cancellationToken);
        var checkedIn = await db.Attendances.CountAsync(a => a.ActivityId == activity.Id, cancellationToken);
        return ActivityResponse.From(activity, signedUp, checkedIn);
    }

    private static async Task<List<ActivityResponse>> SummariesAsync(DispatchDbContext db, IQueryable<Activity> activities, CancellationToken cancellationToken)
    {
        var signUps = db.ActivitySignUps;
        var attendances = db.Attendances;
        var rows = await activities.AsNoTracking()
            .Select(a => new
            {
                Activity = a,
                SignedUp = signUps.Count(s => s.ActivityId == a.Id && s.CancelledAt == null),
                CheckedIn = attendances.Count(x => x.ActivityId == a.Id),
            })
            .ToListAsync(cancellationToken);
        return rows.Select(r => ActivityResponse.From(r.Activity, r.SignedUp, r.CheckedIn)).ToList();
    }

    private static void Validate(ValidationErrors errors, string? title, string? description, string? place, DateTimeOffset? startsAt, DateTimeOffset? endsAt, int? capacity)
    {
        errors.RequireText("title", title, maxLength: 100);
        errors.OptionalText("description", description, maxLength: 2000);
        errors.OptionalText("place", place, maxLength: 200);
        if (startsAt is null)
        {
            errors.Add("startsAt", "'startsAt' is required (ISO 8601 with an offset, e.g. 2026-12-18T09:00:00+08:00).");
        }
        else if (startsAt.Value.Year is < ActivityCalendar.FirstYear or >= ActivityCalendar.LastYear)
        {
            errors.Add("startsAt", $"'startsAt' must be in a year from {ActivityCalendar.FirstYear} to {ActivityCalendar.LastYear - 1}.");
        }
        if (endsAt is null)
        {
            errors.Add("endsAt", "'endsAt' is required (ISO 8601 with an offset).");
        }
        else if (startsAt is not null && endsAt <= startsAt)
        {
            errors.Add("endsAt", "'endsAt' must be after 'startsAt'.");
        }
        else if (startsAt is not null && endsAt - startsAt > LongestActivity)
        {
            errors.Add("endsAt", $"An activity lasts at most {LongestActivity.TotalDays} days.");
        }
        if (capacity is < 1 or > 10_000)
        {
            errors.Add("capacity", "'capacity' must be between 1 and 10000 when set.");
        }
    }

    /// <summary>An optional yyyy-MM-dd date from the query string; a field error when malformed.</summary>
    internal static DateOnly? OptionalDate(ValidationErrors errors, string field, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
            && ActivityCalendar.InRange(day))
        {
            return day;
        }
        errors.Add(field, $"'{field}' must be a date, yyyy-MM-dd, of a year from {ActivityCalendar.Years}.");
        return null;
    }
}
