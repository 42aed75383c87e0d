using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Dispatch;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

public sealed record SignUpRequest([Required] Guid? MemberId);

/// <summary>Check-in or check-out: with the activity's code (the member scanned it on site), or by staff naming themselves.</summary>
/// <param name="Code">The activity's current check-in code; give this or <paramref name="ByStaff"/>.</param>
/// <param name="ByStaff">The name of the staff member recording it, without a code.</param>
/// <param name="At">Staff only: when it actually happened (from a paper sheet); not in the future. Default now. A check-in, whoever records it, lies between two hours before the activity starts and its end.</param>
public sealed record CheckInRequest([Required] Guid? MemberId, string? Code, string? ByStaff, DateTimeOffset? At);

/// <param name="Text">What the member did (at most 2000 characters).</param>
/// <param name="EvidenceUrls">Up to 10 http(s) links to photos or documents.</param>
public sealed record OutcomeRequest([Required] string? Text, IReadOnlyList<string>? EvidenceUrls);

public sealed record SignUpResponse(Guid Id, Guid ActivityId, Guid MemberId, string MemberName, DateTimeOffset SignedUpAt, DateTimeOffset? CancelledAt)
{
    public static SignUpResponse From(ActivitySignUp s, string memberName) => new(s.Id, s.ActivityId, s.MemberId, memberName, s.SignedUpAt, s.CancelledAt);
}

/// <param name="WalkIn">True when the member checked in without having signed up.</param>
public sealed record AttendanceResponse(
    Guid Id, Guid ActivityId, Guid MemberId, Guid? UnitId, bool WalkIn, DateTimeOffset CheckedInAt, AttendanceMethod CheckInMethod, string? CheckedInBy,
    DateTimeOffset? CheckedOutAt, AttendanceMethod? CheckOutMethod, string? CheckedOutBy, int ServiceMinutes,
    string? Outcome, IReadOnlyList<string> EvidenceUrls, DateTimeOffset? OutcomeRecordedAt, int Version)
{
    public static AttendanceResponse From(Attendance a) =>
        new(a.Id, a.ActivityId, a.MemberId, a.UnitId, !a.SignedUp, a.CheckedInAt, a.CheckInMethod, a.CheckedInBy, a.CheckedOutAt, a.CheckOutMethod,
            a.CheckedOutBy, a.ServiceMinutes, a.Outcome, a.EvidenceUrls, a.OutcomeRecordedAt, a.Version);
}

/// <summary>
/// Sign-up (报名), check-in and check-out (签到/签退) by the activity's code or by staff, service
/// minutes, and the outcome of each attendance — what separates being there (到) from doing (干).
/// </summary>
public static class AttendanceApi
{
    /// <summary>A check-in may lie this far before the activity starts (members arrive early); none lies after its end.</summary>
    private static readonly TimeSpan EarlyArrival = TimeSpan.FromHours(2);

    /// <summary>Clock skew allowed between a client and the service for a staff-entered moment.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    public static RouteGroupBuilder MapAttendanceApi(this RouteGroupBuilder county)
    {
        var activity = county.MapGroup("/activities/{id:guid}").WithTags("Attendance");
        activity.MapPost("/sign-ups", SignUp).WithName("dispatch.SignUpForActivity").WithSummary("A member signs up for a planned or open activity")
            .WithDescription("Refused when every place is taken (409 activity_full) or the member has signed up already (409 already_signed_up); of two sign-ups racing for the last place only one wins.")
            .WithRequestExample(new { memberId = "01a206e3-947e-7187-b7ab-cd6ef2aa3e2c" });
        activity.MapGet("/sign-ups", ListSignUps).WithName("dispatch.ListSignUps").WithSummary("The activity's sign-ups (live ones unless includeCancelled=true)");
        activity.MapGet("/sign-ups/{signUpId:guid}", GetSignUp).WithName("dispatch.GetSignUp").WithSummary("One sign-up of the activity, cancelled or not (where signing up points)");
        activity.MapPost("/sign-ups/{signUpId:guid}/cancel", CancelSignUp).WithName("dispatch.CancelSignUp").WithSummary("A member withdraws a sign-up");
        activity.MapPost("/check-in", CheckIn).WithName("dispatch.CheckIn").WithSummary("Check a member in, by the activity's code or by staff")
            .WithDescription("The activity must be open. A wrong code answers 422 check_in_code_invalid. The check-in (now, or staff's 'at') lies between two hours before the activity starts and its end, by code or by staff: 422 check_in_outside_hours otherwise. A member who did not sign up may still check in (a walk-in). Publishes AttendanceRecorded (checked_in).")
            .WithRequestExample(new { memberId = "01a206e3-947e-7187-b7ab-cd6ef2aa3e2c", code = "K7QH3M" });
        activity.MapPost("/check-out", CheckOut).WithName("dispatch.CheckOut").WithSummary("Check a member out, by the activity's code or by staff")
            .WithDescription("Service minutes are the time from check-in to check-out within the activity's times, at most 8 hours on each day of the county's calendar. Publishes AttendanceRecorded (checked_out).")
            .WithRequestExample(new { memberId = "01a206e3-947e-7187-b7ab-cd6ef2aa3e2c", byStaff = "社区书记 李明", at = "2026-12-18T03:30:00Z" });
        activity.MapGet("/attendances", ListForActivity).WithName("dispatch.ListActivityAttendances").WithSummary("The activity's attendances");

        var attendances = county.MapGroup("/attendances").WithTags("Attendance");
        attendances.MapGet("/", ListAttendances).WithName("dispatch.ListAttendances").WithSummary("Attendances by member, activity or whether an outcome is recorded");
        attendances.MapGet("/{attendanceId:guid}", Get).WithName("dispatch.GetAttendance").WithSummary("Get one attendance");
        attendances.MapPost("/{attendanceId:guid}/outcome", RecordOutcome).WithName("dispatch.RecordAttendanceOutcome")
            .WithSummary("Record what the member did at the activity (到 → 干), with optional evidence links")
            .WithDescription("Replaces an earlier outcome. Publishes AttendanceRecorded (outcome_recorded).")
            .WithRequestExample(new { text = "为独居老人上门检修线路3户，更换插座5个", evidenceUrls = new[] { "https://files.example.cn/evidence/2026/12/a1.jpg" } });
        return county;
    }

    private static async Task<Results<Created<SignUpResponse>, ValidationProblem, ProblemHttpResult>> SignUp(
        Guid id, SignUpRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.MemberId is null)
        {
            return new ValidationErrors().Add("memberId", "'memberId' is required.").ToProblem();
        }
        var (activity, problem) = await ActivitiesApi.FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (activity!.IsClosed)
        {
            return ActivityProblems.ActivityState("activity_closed", activity, "sign-up is over");
        }
        var (member, memberProblem) = await ReplicaReferences.FindActiveMemberAsync(db, "memberId", request.MemberId.Value, cancellationToken);
        if (memberProblem is not null)
        {
            return memberProblem;
        }
        var signedUp = await db.ActivitySignUps.Where(s => s.ActivityId == id && s.CancelledAt == null).Select(s => s.MemberId).ToListAsync(cancellationToken);
        if (signedUp.Contains(member!.Id))
        {
            return ActivityProblems.Conflict("already_signed_up", "The member has already signed up for this activity.", "memberId");
        }
        if (activity.Capacity is { } capacity && signedUp.Count >= capacity)
        {
            return ActivityProblems.Conflict("activity_full", $"All {capacity} places of this activity are taken.");
        }
        var now = clock.GetUtcNow();
        var signUp = new ActivitySignUp { Id = Guid.CreateVersion7(now), ActivityId = id, MemberId = member.Id, SignedUpAt = now };
        db.ActivitySignUps.Add(signUp);
        // The activity's version guards the count: of two sign-ups racing for the last place, the second save fails.
        db.Touch(activity);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ActivityProblems.Conflict(ProblemCodes.ConcurrencyConflict, "The activity changed meanwhile (another sign-up); try again.");
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_activity_sign_ups_live"))
        {
            return ActivityProblems.Conflict("already_signed_up", "The member has already signed up for this activity.", "memberId");
        }
        return TypedResults.Created(http.Request.Path.Add($"/{signUp.Id}").Value, SignUpResponse.From(signUp, member.Name));
    }

    private static async Task<Results<Ok<Page<SignUpResponse>>, ValidationProblem, ProblemHttpResult>> ListSignUps(
        Guid id, bool? includeCancelled, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        if (!await db.Activities.AnyAsync(a => a.Id == id, cancellationToken))
        {
            return ActivityProblems.NotFound("activity", id);
        }
        var query = db.ActivitySignUps.AsNoTracking().Where(s => s.ActivityId == id);
        if (includeCancelled != true)
        {
            query = query.Where(s => s.CancelledAt == null);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var rows = await (
            from signUp in query
            join member in db.ReplicaMembers.AsNoTracking() on signUp.MemberId equals member.Id into members
            from member in members.DefaultIfEmpty()
            orderby signUp.SignedUpAt, signUp.Id
            select new { SignUp = signUp, Name = member == null ? "" : member.Name })
            .Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<SignUpResponse>(rows.Select(r => SignUpResponse.From(r.SignUp, r.Name)).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<SignUpResponse>, ProblemHttpResult>> GetSignUp(Guid id, Guid signUpId, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var signUp = await db.ActivitySignUps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == signUpId && s.ActivityId == id, cancellationToken);
        if (signUp is null)
        {
            return await db.Activities.AnyAsync(a => a.Id == id, cancellationToken) ? ActivityProblems.NotFound("sign_up", signUpId) : ActivityProblems.NotFound("activity", id);
        }
        var name = await db.ReplicaMembers.Where(m => m.Id == signUp.MemberId).Select(m => m.Name).FirstOrDefaultAsync(cancellationToken) ?? "";
        return TypedResults.Ok(SignUpResponse.From(signUp, name));
    }

    private static async Task<Results<Ok<SignUpResponse>, ProblemHttpResult>> CancelSignUp(
        Guid id, Guid signUpId, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (activity, problem) = await ActivitiesApi.FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var signUp = await db.ActivitySignUps.FirstOrDefaultAsync(s => s.Id == signUpId && s.ActivityId == id, cancellationToken);
        if (signUp is null)
        {
            return ActivityProblems.NotFound("sign_up", signUpId);
        }
        if (signUp.CancelledAt is null)
        {
            if (activity!.IsClosed)
            {
                return ActivityProblems.ActivityState("activity_closed", activity, "its sign-ups stay as they were");
            }
            signUp.CancelledAt = clock.GetUtcNow();
            db.Touch(activity);
            await db.SaveChangesAsync(cancellationToken);
        }
        var name = await db.ReplicaMembers.Where(m => m.Id == signUp.MemberId).Select(m => m.Name).FirstOrDefaultAsync(cancellationToken) ?? "";
        return TypedResults.Ok(SignUpResponse.From(signUp, name));
    }

    private static async Task<Results<Created<AttendanceResponse>, ValidationProblem, ProblemHttpResult>> CheckIn(
        Guid id, CheckInRequest request, DispatchDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (ValidateMark(request, now) is { } invalid)
        {
            return invalid;
        }
        await using var transaction = await RowLocks.ActivityAsync(db, id, exclusive: false, cancellationToken);
        var (activity, problem) = await FindOpenAsync(db, http, id, request, "check-in", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var at = (request.At ?? now).ToUniversalTime();
        if (at < activity!.StartsAt - EarlyArrival || at > activity.EndsAt)
        {
            // The same for a code scanned now as for a moment from staff's sheet: nobody checks in to an activity long over, or not begun.
            var calendar = ActivityCalendar.Of(tenant.County);
            return Problems.Unprocessable("check_in_outside_hours",
                $"Check-in is open from two hours before the activity starts until it ends ({calendar.Text(activity.StartsAt - EarlyArrival)} – {calendar.Text(activity.EndsAt)}), not at {calendar.Text(at)}.",
                request.At is null ? null : "at");
        }
        var (member, memberProblem) = await ReplicaReferences.FindActiveMemberAsync(db, "memberId", request.MemberId!.Value, cancellationToken);
        if (memberProblem is not null)
        {
            return memberProblem;
        }
        if (await db.Attendances.AnyAsync(a => a.ActivityId == id && a.MemberId == member!.Id, cancellationToken))
        {
            return ActivityProblems.Conflict("already_checked_in", "The member has already checked in at this activity.", "memberId");
        }
        var signedUp = await db.ActivitySignUps.AnyAsync(s => s.ActivityId == id && s.MemberId == member!.Id && s.CancelledAt == null, cancellationToken);
        var attendance = new Attendance
        {
            Id = Guid.CreateVersion7(now), ActivityId = id, MemberId = member!.Id, UnitId = member.UnitId, SignedUp = signedUp, CheckedInAt = at,
            CheckInMethod = request.ByStaff is null ? AttendanceMethod.Code : AttendanceMethod.Staff, CheckedInBy = request.ByStaff?.Trim(),
        };
        db.Attendances.Add(attendance);
        db.Advance(attendance);
        db.Outbox.Publish(Recorded(attendance, activity!, AttendanceChange.CheckedIn, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_attendances_activity_member"))
        {
            return ActivityProblems.Conflict("already_checked_in", "The member has already checked in at this activity.", "memberId");
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, attendance);
        return TypedResults.Created($"{AttendancesPath(http)}/{attendance.Id}", AttendanceResponse.From(attendance));
    }

    private static async Task<Results<Ok<AttendanceResponse>, ValidationProblem, ProblemHttpResult>> CheckOut(
        Guid id, CheckInRequest request, DispatchDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (ValidateMark(request, now) is { } invalid)
        {
            return invalid;
        }
        await using var transaction = await RowLocks.ActivityAsync(db, id, exclusive: false, cancellationToken);
        var (activity, problem) = await FindOpenAsync(db, http, id, request, "check-out", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var attendance = await db.Attendances.FirstOrDefaultAsync(a => a.ActivityId == id && a.MemberId == request.MemberId, cancellationToken);
        if (attendance is null)
        {
            return ActivityProblems.Conflict("not_checked_in", "The member has not checked in at this activity.", "memberId");
        }
        if (attendance.CheckedOutAt is not null)
        {
            return ActivityProblems.Conflict("already_checked_out", $"The member checked out at {attendance.CheckedOutAt:O}.", "memberId");
        }
        var at = (request.At ?? now).ToUniversalTime();
        if (at < attendance.CheckedInAt)
        {
            return new ValidationErrors().Add("at", $"'at' must not be before the check-in ({attendance.CheckedInAt:O}).").ToProblem();
        }
        attendance.CheckedOutAt = at;
        attendance.CheckOutMethod = request.ByStaff is null ? AttendanceMethod.Code : AttendanceMethod.Staff;
        attendance.CheckedOutBy = request.ByStaff?.Trim();
        attendance.ServiceMinutes = Attendance.ServiceMinutesOf(attendance.CheckedInAt, at, activity!, ActivityCalendar.Of(tenant.County));
        db.Advance(attendance);
        db.Outbox.Publish(Recorded(attendance, activity!, AttendanceChange.CheckedOut, now));
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, attendance);
        return TypedResults.Ok(AttendanceResponse.From(attendance));
    }

    private static async Task<Results<Ok<Page<AttendanceResponse>>, ValidationProblem, ProblemHttpResult>> ListForActivity(
        Guid id, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Activities.AnyAsync(a => a.Id == id, cancellationToken))
        {
            return ActivityProblems.NotFound("activity", id);
        }
        return await PageAsync(db.Attendances.Where(a => a.ActivityId == id), page, pageSize, cancellationToken);
    }

    private static async Task<Results<Ok<Page<AttendanceResponse>>, ValidationProblem, ProblemHttpResult>> ListAttendances(
        Guid? memberId, Guid? activityId, bool? hasOutcome, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var query = db.Attendances.AsQueryable();
        if (memberId is { } member)
        {
            query = query.Where(a => a.MemberId == member);
        }
        if (activityId is { } activity)
        {
            query = query.Where(a => a.ActivityId == activity);
        }
        if (hasOutcome is { } outcome)
        {
            query = outcome ? query.Where(a => a.Outcome != null) : query.Where(a => a.Outcome == null);
        }
        return await PageAsync(query, page, pageSize, cancellationToken);
    }

    private static async Task<Results<Ok<AttendanceResponse>, ProblemHttpResult>> Get(Guid attendanceId, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var attendance = await db.Attendances.AsNoTracking().FirstOrDefaultAsync(a => a.Id == attendanceId, cancellationToken);
        if (attendance is null)
        {
            return ActivityProblems.NotFound("attendance", attendanceId);
        }
        ETags.Tag(http, attendance);
        return TypedResults.Ok(AttendanceResponse.From(attendance));
    }

    private static async Task<Results<Ok<AttendanceResponse>, ValidationProblem, ProblemHttpResult>> RecordOutcome(
        Guid attendanceId, OutcomeRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("text", request.Text, maxLength: 2000);
        var urls = request.EvidenceUrls ?? [];
        if (urls.Count > 10)
        {
            errors.Add("evidenceUrls", "'evidenceUrls' holds at most 10 links.");
        }
        for (var i = 0; i < urls.Count; i++)
        {
            if (urls[i] is not { Length: <= 500 } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"evidenceUrls[{i}]", $"'evidenceUrls[{i}]' must be an absolute http(s) link of at most 500 characters.");
            }
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var activityId = await db.Attendances.Where(a => a.Id == attendanceId).Select(a => (Guid?)a.ActivityId).FirstOrDefaultAsync(cancellationToken);
        if (activityId is null)
        {
            return ActivityProblems.NotFound("attendance", attendanceId);
        }
        // Read under the activity's lock: an outcome is never saved at an activity a cancellation in flight ends.
        await using var transaction = await RowLocks.ActivityAsync(db, activityId.Value, exclusive: false, cancellationToken);
        var attendance = await db.Attendances.FirstOrDefaultAsync(a => a.Id == attendanceId, cancellationToken);
        if (attendance is null)
        {
            return ActivityProblems.NotFound("attendance", attendanceId);
        }
        if (ETags.PreconditionFailed(http, attendance) is { } stale)
        {
            return stale;
        }
        var activity = await db.Activities.AsNoTracking().FirstAsync(a => a.Id == attendance.ActivityId, cancellationToken);
        if (activity.Status == ActivityStatus.Cancelled)
        {
            return ActivityProblems.ActivityState("activity_cancelled", activity, "nothing was done at it");
        }
        var now = clock.GetUtcNow();
        attendance.Outcome = request.Text!.Trim();
        attendance.EvidenceUrls = urls.Select(u => u.Trim()).ToList();
        attendance.OutcomeRecordedAt = now;
        db.Advance(attendance);
        db.Outbox.Publish(Recorded(attendance, activity, AttendanceChange.OutcomeRecorded, now));
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, attendance);
        return TypedResults.Ok(AttendanceResponse.From(attendance));
    }

    internal static AttendanceRecorded Recorded(Attendance attendance, Activity activity, string change, DateTimeOffset now) =>
        new(activity.CountyId, attendance.Id, activity.Id, Wire.Of(activity.Kind), activity.CommunityId, attendance.MemberId, attendance.UnitId,
            attendance.CheckedInAt, attendance.CheckedOutAt, attendance.ServiceMinutes, attendance.Outcome is not null, change, now, attendance.Version);

    /// <summary>Field rules of a check-in or check-out: a member, and either the code or a staff name (with an optional moment).</summary>
    private static ValidationProblem? ValidateMark(CheckInRequest request, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        if (request.MemberId is null)
        {
            errors.Add("memberId", "'memberId' is required.");
        }
        if (request.Code is null && request.ByStaff is null)
        {
            errors.Add("code", "'code' is required unless staff record it ('byStaff' with their name).");
        }
        else if (request.Code is not null && request.ByStaff is not null)
        {
            errors.Add("byStaff", "Give either 'code' or 'byStaff', not both.");
        }
        else if (request.ByStaff is not null)
        {
            errors.RequireText("byStaff", request.ByStaff, maxLength: 50);
        }
        else
        {
            errors.RequireText("code", request.Code, maxLength: 12);
        }
        if (request.At is { } at)
        {
            if (request.ByStaff is null)
            {
                errors.Add("at", "'at' is for staff recording a past moment; a check-in by code happens now.");
            }
            else if (at > now + Skew)
            {
                errors.Add("at", "'at' must not be in the future.");
            }
        }
        return errors.IsValid ? null : errors.ToProblem();
    }

    /// <summary>The tracked activity if it is open and the code (when given) is its current one; else the problem to answer.</summary>
    private static async Task<(Activity?, ProblemHttpResult?)> FindOpenAsync(
        DispatchDbContext db, HttpContext http, Guid id, CheckInRequest request, string what, CancellationToken cancellationToken)
    {
        var (activity, problem) = await ActivitiesApi.FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }
        if (activity!.Status != ActivityStatus.Open)
        {
            return (null, ActivityProblems.ActivityState(activity.IsClosed ? "activity_closed" : "activity_not_open", activity, $"{what} needs an open activity"));
        }
        if (request.Code is { } code && !string.Equals(code.Trim(), activity.CheckInCode, StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Unprocessable("check_in_code_invalid", "The code is not this activity's current check-in code; scan the code shown on site again.", "code"));
        }
        return (activity, null);
    }

    private static async Task<Results<Ok<Page<AttendanceResponse>>, ValidationProblem, ProblemHttpResult>> PageAsync(
        IQueryable<Attendance> query, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        query = query.AsNoTracking();
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(a => a.CheckedInAt).ThenBy(a => a.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<AttendanceResponse>(items.Select(AttendanceResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    /// <summary>
    /// /api/dispatch/counties/{county}/attendances, from the request's own path (…/activities/{id}/check-in),
    /// whichever way it writes the activity's id.
    /// </summary>
    private static string AttendancesPath(HttpContext http)
    {
        var path = http.Request.Path.Value!;
        return path[..path.LastIndexOf("/activities/", StringComparison.OrdinalIgnoreCase)] + "/attendances";
    }
}
