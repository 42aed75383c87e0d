using System.Net;
using System.Text.Json;
using Platform.Contracts.Dispatch;
using Platform.Dispatch.Activities;
using Platform.IntegrationTests.Support;
using Platform.RegistryReplica;
using static Platform.IntegrationTests.Dispatch.ActivityTestSupport;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>Sign-up under capacity, check-in and check-out by code or staff, service minutes, outcomes, and the three failures on a generated month.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AttendanceTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_check_in_arriving_while_the_activity_is_being_cancelled_waits_for_it_and_is_refused()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var id = await OpenNowAsync(client, county);
        var database = platform.Databases["dispatch"].Name;

        // A cancellation in flight holds the activity's row until it commits, as the cancel command does:
        // the check-in waits for it (without the lock it would read the activity open and save at once) ...
        var checkIn = await fixture.WhileRowChangesAsync(database, "activities", id, "status = 'cancelled', cancelled_at = now()",
            () => client.PostJsonAsync(county.Path($"activities/{id}/check-in"), new { memberId = county.Members[0].Id, byStaff = "社区张主任" }));

        // ... and then finds it cancelled: no attendance at an activity that was not held.
        await checkIn.ProblemAsync(HttpStatusCode.Conflict, "activity_closed");
        Assert.Equal(0L, await fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM attendances WHERE activity_id = '{id}'"));
    }

    [Fact]
    public async Task An_outcome_arriving_while_the_activity_is_being_cancelled_waits_for_it_and_is_refused()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var id = await OpenNowAsync(client, county);
        // The activity's id written without hyphens, as the route also takes it: the answer still points at the attendance.
        using var checkedIn = await client.PostJsonAsync(county.Path($"activities/{id:N}/check-in"), new { memberId = county.Members[0].Id, byStaff = "社区张主任" });
        var attendance = (await checkedIn.OkAsync(HttpStatusCode.Created)).Id();
        Assert.Equal(county.Path($"attendances/{attendance}"), checkedIn.Headers.Location?.OriginalString);

        // Work reported at an activity whose cancellation is being saved: it is not recorded, nor sent to Evaluation.
        var outcome = await fixture.WhileRowChangesAsync(platform.Databases["dispatch"].Name, "activities", id, "status = 'cancelled', cancelled_at = now()",
            () => client.PostJsonAsync(county.Path($"attendances/{attendance}/outcome"), new { text = "清理楼道杂物" }));
        await outcome.ProblemAsync(HttpStatusCode.Conflict, "activity_cancelled");
        Assert.Equal(JsonValueKind.Null, (await client.GetJsonAsync(county.Path($"attendances/{attendance}"))).GetProperty("outcome").ValueKind);
    }

    [Fact]
    public async Task Two_sign_ups_racing_for_the_last_place_never_both_win()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var startsAt = DateTimeOffset.UtcNow.AddDays(5);

        for (var round = 0; round < 3; round++)
        {
            var activity = await CreateActivityAsync(client, county, startsAt, startsAt.AddHours(2), capacity: 2);
            var path = county.Path($"activities/{activity.Id()}/sign-ups");
            await (await client.PostJsonAsync(path, new { memberId = county.Members[0].Id })).OkAsync(HttpStatusCode.Created);

            var racing = await Task.WhenAll(
                client.PostJsonAsync(path, new { memberId = county.Members[1].Id }),
                client.PostJsonAsync(path, new { memberId = county.Members[2].Id }));

            Assert.Single(racing, r => r.StatusCode == HttpStatusCode.Created);
            var loser = racing.Single(r => r.StatusCode != HttpStatusCode.Created);
            Assert.Equal(HttpStatusCode.Conflict, loser.StatusCode);
            var signUps = await client.GetJsonAsync(path);
            Assert.Equal(2, signUps.GetProperty("total").GetInt64());
            Assert.Equal(2, (await client.GetJsonAsync(county.Path($"activities/{activity.Id()}"))).GetProperty("signedUp").GetInt32());
        }

        var full = await CreateActivityAsync(client, county, startsAt, startsAt.AddHours(2), capacity: 1);
        var fullPath = county.Path($"activities/{full.Id()}/sign-ups");
        var first = await (await client.PostJsonAsync(fullPath, new { memberId = county.Members[0].Id })).OkAsync(HttpStatusCode.Created);
        Assert.Equal("张伟", first.GetProperty("memberName").GetString());
        await (await client.PostJsonAsync(fullPath, new { memberId = county.Members[0].Id })).ProblemAsync(HttpStatusCode.Conflict, "already_signed_up", "memberId");
        await (await client.PostJsonAsync(fullPath, new { memberId = county.Members[1].Id })).ProblemAsync(HttpStatusCode.Conflict, "activity_full");
        await (await client.PostJsonAsync(fullPath, new { memberId = county.Members[5].Id })).ProblemAsync((HttpStatusCode)422, "reference_invalid", "memberId");
        await (await client.PostJsonAsync(fullPath, new { memberId = Guid.NewGuid() })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "memberId");
        await (await client.PostJsonAsync(fullPath, new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await client.PutJsonAsync(county.Path($"activities/{full.Id()}"), new { title = "楼道清理", startsAt, endsAt = startsAt.AddHours(1), capacity = 0 }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "capacity");

        // Withdrawing frees the place.
        await (await client.PostJsonAsync($"{fullPath}/{first.Id()}/cancel")).OkAsync();
        await (await client.PostJsonAsync(fullPath, new { memberId = county.Members[1].Id })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(2, (await client.GetJsonAsync($"{fullPath}?includeCancelled=true")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Members_check_in_by_code_or_staff_check_out_for_the_service_within_the_activity_and_record_outcomes()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        await using var recorded = await EventProbe<AttendanceRecorded>.StartAsync(platform);
        await using var completed = await EventProbe<ActivityCompleted>.StartAsync(platform);
        // A volunteer service that ran from three hours ago until an hour ago: 120 minutes.
        var startsAt = DateTimeOffset.UtcNow.AddHours(-3).AddTicks(-(DateTimeOffset.UtcNow.Ticks % TimeSpan.TicksPerMinute));
        var endsAt = startsAt.AddHours(2);
        var activity = await CreateActivityAsync(client, county, startsAt, endsAt, kind: "volunteer_service");
        var id = activity.Id();
        var checkIn = county.Path($"activities/{id}/check-in");
        var checkOut = county.Path($"activities/{id}/check-out");
        var code = activity.GetProperty("checkInCode").GetString()!;
        await (await client.PostJsonAsync(county.Path($"activities/{id}/sign-ups"), new { memberId = county.Members[0].Id })).OkAsync(HttpStatusCode.Created);

        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, code })).ProblemAsync(HttpStatusCode.Conflict, "activity_not_open");
        await OpenAsync(client, county, id);

        // By code: a wrong one is refused; the right one only while check-in is open, and this activity has ended.
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, code = "WRONG1" })).ProblemAsync((HttpStatusCode)422, "check_in_code_invalid", "code");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, code })).ProblemAsync((HttpStatusCode)422, "check_in_outside_hours");
        // Staff record from the sheet that the member came ten minutes before the end and left without checking out.
        var late = await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, byStaff = "李明", at = endsAt.AddMinutes(-10) })).OkAsync(HttpStatusCode.Created);
        Assert.False(late.GetProperty("walkIn").GetBoolean());
        Assert.Equal("staff", late.GetProperty("checkInMethod").GetString());
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, byStaff = "李明", at = startsAt })).ProblemAsync(HttpStatusCode.Conflict, "already_checked_in", "memberId");

        // By staff from a paper sheet: a walk-in who came half an hour early and left half an hour late earns the activity's time, no more.
        var walkIn = await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[1].Id, byStaff = "社区书记 李明", at = startsAt.AddMinutes(-30) }))
            .OkAsync(HttpStatusCode.Created);
        Assert.True(walkIn.GetProperty("walkIn").GetBoolean());
        Assert.Equal("社区书记 李明", walkIn.GetProperty("checkedInBy").GetString());
        var capped = await (await client.PostJsonAsync(checkOut, new { memberId = county.Members[1].Id, byStaff = "社区书记 李明", at = endsAt.AddMinutes(30) })).OkAsync();
        Assert.Equal(120, capped.GetProperty("serviceMinutes").GetInt32());
        await (await client.PostJsonAsync(checkOut, new { memberId = county.Members[1].Id, byStaff = "李明" })).ProblemAsync(HttpStatusCode.Conflict, "already_checked_out");

        var third = await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[2].Id, byStaff = "李明", at = startsAt.AddMinutes(10) })).OkAsync(HttpStatusCode.Created);
        var ninety = await (await client.PostJsonAsync(checkOut, new { memberId = county.Members[2].Id, byStaff = "李明", at = startsAt.AddMinutes(100) })).OkAsync();
        Assert.Equal(90, ninety.GetProperty("serviceMinutes").GetInt32());

        // Field rules and references.
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[4].Id })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "code");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[4].Id, code, byStaff = "李明" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "byStaff");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[4].Id, code, at = startsAt })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "at");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[4].Id, byStaff = "李明", at = DateTimeOffset.UtcNow.AddHours(1) })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "at");
        await (await client.PostJsonAsync(checkIn, new { code })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[5].Id, byStaff = "李明", at = startsAt })).ProblemAsync((HttpStatusCode)422, "reference_invalid", "memberId");
        await (await client.PostJsonAsync(checkOut, new { memberId = county.Members[4].Id, code })).ProblemAsync(HttpStatusCode.Conflict, "not_checked_in", "memberId");

        // By code at an activity going on now: case does not matter, and a rotated code replaces the old one.
        var now = DateTimeOffset.UtcNow;
        var running = await CreateActivityAsync(client, county, now.AddMinutes(-30), now.AddMinutes(90));
        var runningCheckIn = county.Path($"activities/{running.Id()}/check-in");
        var runningCode = running.GetProperty("checkInCode").GetString()!;
        await (await client.PostJsonAsync(county.Path($"activities/{running.Id()}/sign-ups"), new { memberId = county.Members[0].Id })).OkAsync(HttpStatusCode.Created);
        await OpenAsync(client, county, running.Id());
        var byCode = await (await client.PostJsonAsync(runningCheckIn, new { memberId = county.Members[0].Id, code = runningCode.ToLowerInvariant() })).OkAsync(HttpStatusCode.Created);
        Assert.False(byCode.GetProperty("walkIn").GetBoolean());
        Assert.Equal("code", byCode.GetProperty("checkInMethod").GetString());
        await (await client.PostJsonAsync(runningCheckIn, new { memberId = county.Members[0].Id, code = runningCode })).ProblemAsync(HttpStatusCode.Conflict, "already_checked_in", "memberId");
        var rotated = (await (await client.PostJsonAsync(county.Path($"activities/{running.Id()}/check-in-code"))).OkAsync()).GetProperty("checkInCode").GetString()!;
        await (await client.PostJsonAsync(runningCheckIn, new { memberId = county.Members[3].Id, code = runningCode })).ProblemAsync((HttpStatusCode)422, "check_in_code_invalid", "code");
        await (await client.PostJsonAsync(runningCheckIn, new { memberId = county.Members[3].Id, code = rotated })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(runningCheckIn, new { memberId = county.Members[5].Id, code = rotated })).ProblemAsync((HttpStatusCode)422, "reference_invalid", "memberId");

        // Outcomes: what separates 到 from 干.
        var outcomePath = county.Path($"attendances/{third.Id()}/outcome");
        await (await client.PostJsonAsync(outcomePath, new { text = "" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "text");
        await (await client.PostJsonAsync(outcomePath, new { text = "检修线路", evidenceUrls = new[] { "ftp://x/y.jpg" } })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "evidenceUrls[0]");
        var outcome = await (await client.PostJsonAsync(outcomePath, new { text = "为独居老人上门检修线路3户", evidenceUrls = new[] { "https://files.example.cn/a1.jpg" } })).OkAsync();
        Assert.Equal("为独居老人上门检修线路3户", outcome.GetProperty("outcome").GetString());
        Assert.Equal("https://files.example.cn/a1.jpg", outcome.GetProperty("evidenceUrls")[0].GetString());
        await (await client.PostJsonAsync(outcomePath, new { text = "改" }, ifMatch: "\"1\"")).ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal(1, (await client.GetJsonAsync(county.Path($"attendances?activityId={id}&hasOutcome=true"))).GetProperty("total").GetInt64());

        // Completing checks out whoever is still in at the activity's end; the event totals the minutes.
        var done = await (await client.PostJsonAsync(county.Path($"activities/{id}/complete"))).OkAsync();
        Assert.Equal(3, done.GetProperty("checkedIn").GetInt32());
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[4].Id, byStaff = "李明" })).ProblemAsync(HttpStatusCode.Conflict, "activity_closed");
        await (await client.PostJsonAsync(county.Path($"attendances/{late.Id()}/outcome"), new { text = "协助登记" })).OkAsync();
        await (await client.PostJsonAsync(county.Path($"attendances/{byCode.Id()}/outcome"), new { text = "协助登记" })).OkAsync();
        var attendances = await client.GetJsonAsync(county.Path($"activities/{id}/attendances"));
        Assert.All(attendances.GetProperty("items").EnumerateArray(), a => Assert.NotEqual(System.Text.Json.JsonValueKind.Null, a.GetProperty("checkedOutAt").ValueKind));

        var totals = await completed.WaitForAsync(e => e.ActivityId == id);
        Assert.Equal(3, totals.Attendees);
        Assert.Equal(220, totals.ServiceMinutes);
        Assert.Equal("volunteer_service", totals.Kind);
        Assert.Equal(10, (await recorded.WaitForAsync(e => e.AttendanceId == late.Id() && e.Change == AttendanceChange.CheckedOut)).ServiceMinutes);
        var checkedOut = await recorded.WaitForAsync(e => e.AttendanceId == walkIn.Id() && e.Change == AttendanceChange.CheckedOut);
        Assert.Equal(120, checkedOut.ServiceMinutes);
        Assert.Equal(county.Unit1.Id, checkedOut.UnitId);
        Assert.Equal("volunteer_service", checkedOut.ActivityKind);
        var withOutcome = await recorded.WaitForAsync(e => e.AttendanceId == third.Id() && e.Change == AttendanceChange.OutcomeRecorded);
        Assert.True(withOutcome.HasOutcome);
        Assert.Equal(90, withOutcome.ServiceMinutes);
        await recorded.WaitForAsync(e => e.AttendanceId == byCode.Id() && e.Change == AttendanceChange.CheckedIn && !e.HasOutcome);
    }

    [Fact]
    public async Task A_check_in_by_code_or_staff_lies_between_two_hours_before_the_start_and_the_end_and_only_the_activitys_time_earns()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        await using var completed = await EventProbe<ActivityCompleted>.StartAsync(platform);
        var now = DateTimeOffset.UtcNow.AddTicks(-(DateTimeOffset.UtcNow.Ticks % TimeSpan.TicksPerMinute));

        // An activity beginning in three hours, opened early: no check-in yet, by code or by staff.
        var coming = await CreateActivityAsync(client, county, now.AddHours(3), now.AddHours(5));
        await OpenAsync(client, county, coming.Id());
        var comingCheckIn = county.Path($"activities/{coming.Id()}/check-in");
        var early = await (await client.PostJsonAsync(comingCheckIn, new { memberId = county.Members[0].Id, code = coming.GetProperty("checkInCode").GetString() }))
            .ProblemAsync((HttpStatusCode)422, "check_in_outside_hours");
        Assert.False(early.TryGetProperty("field", out _));
        await (await client.PostJsonAsync(comingCheckIn, new { memberId = county.Members[0].Id, byStaff = "李明" })).ProblemAsync((HttpStatusCode)422, "check_in_outside_hours");

        // A morning activity left open after it ended an hour ago: a member scanning its code now is refused,
        // as staff are for a moment after its end.
        var startsAt = now.AddHours(-4);
        var endsAt = now.AddHours(-1);
        var ended = await CreateActivityAsync(client, county, startsAt, endsAt);
        var id = ended.Id();
        var code = ended.GetProperty("checkInCode").GetString()!;
        await OpenAsync(client, county, id);
        var checkIn = county.Path($"activities/{id}/check-in");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, code })).ProblemAsync((HttpStatusCode)422, "check_in_outside_hours");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, byStaff = "李明", at = endsAt.AddMinutes(1) })).ProblemAsync((HttpStatusCode)422, "check_in_outside_hours", "at");
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, byStaff = "李明", at = startsAt.AddHours(-2).AddMinutes(-1) })).ProblemAsync((HttpStatusCode)422, "check_in_outside_hours", "at");
        Assert.Equal(0, (await client.GetJsonAsync(county.Path($"activities/{id}"))).GetProperty("checkedIn").GetInt32());

        // Two members came ten minutes before the end. One checks out by code an hour after it, the other never does:
        // each earns the ten minutes within the activity, the same whether they checked out or the completion did.
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[0].Id, byStaff = "李明", at = endsAt.AddMinutes(-10) })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(checkIn, new { memberId = county.Members[1].Id, byStaff = "李明", at = endsAt.AddMinutes(-10) })).OkAsync(HttpStatusCode.Created);
        var byCode = await (await client.PostJsonAsync(county.Path($"activities/{id}/check-out"), new { memberId = county.Members[0].Id, code })).OkAsync();
        Assert.Equal(10, byCode.GetProperty("serviceMinutes").GetInt32());
        await (await client.PostJsonAsync(county.Path($"activities/{id}/complete"))).OkAsync();
        var attendances = (await client.GetJsonAsync(county.Path($"activities/{id}/attendances"))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([10, 10], attendances.Select(a => a.GetProperty("serviceMinutes").GetInt32()));
        Assert.Equal(20, (await completed.WaitForAsync(e => e.ActivityId == id)).ServiceMinutes);
    }

    [Fact]
    public async Task A_days_long_activity_earns_at_most_eight_hours_a_county_day_and_the_completion_checks_out_a_day_of_service_after_the_check_in()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        await using var recorded = await EventProbe<AttendanceRecorded>.StartAsync(platform);
        await using var completed = await EventProbe<ActivityCompleted>.StartAsync(platform);
        // Like the reporting week: from midnight two days ago (the county's, Shanghai) until an hour from now.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        DateTimeOffset At(DateOnly day, int hour, int minute = 0) => new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.FromHours(8)).ToUniversalTime();
        var (first, second) = (today.AddDays(-2), today.AddDays(-1));
        var week = await CreateActivityAsync(client, county, At(first, 0), DateTimeOffset.UtcNow.AddHours(1), kind: "reporting_week");
        var id = week.Id();
        await OpenAsync(client, county, id);
        var checkIn = county.Path($"activities/{id}/check-in");
        var checkOut = county.Path($"activities/{id}/check-out");
        var (forgot, stayed, visited) = (county.Members[0].Id, county.Members[1].Id, county.Members[2].Id);

        // In at 09:00 on the first day and never out: the completion checks them out 8 hours later, a day's service at most.
        var forgotten = await (await client.PostJsonAsync(checkIn, new { memberId = forgot, byStaff = "李明", at = At(first, 9) })).OkAsync(HttpStatusCode.Created);
        // In at 09:00 on the first day and out at 11:00 the next: 15 hours and 11 hours, each day 8 at most.
        await (await client.PostJsonAsync(checkIn, new { memberId = stayed, byStaff = "李明", at = At(first, 9) })).OkAsync(HttpStatusCode.Created);
        var twoDays = await (await client.PostJsonAsync(checkOut, new { memberId = stayed, byStaff = "李明", at = At(second, 11) })).OkAsync();
        Assert.Equal(16 * 60, twoDays.GetProperty("serviceMinutes").GetInt32());
        // A visit of two and a half hours is all service.
        await (await client.PostJsonAsync(checkIn, new { memberId = visited, byStaff = "李明", at = At(first, 10) })).OkAsync(HttpStatusCode.Created);
        var visit = await (await client.PostJsonAsync(checkOut, new { memberId = visited, byStaff = "李明", at = At(first, 12, 30) })).OkAsync();
        Assert.Equal(150, visit.GetProperty("serviceMinutes").GetInt32());

        await (await client.PostJsonAsync(county.Path($"activities/{id}/complete"))).OkAsync();
        var autoOut = await client.GetJsonAsync(county.Path($"attendances/{forgotten.Id()}"));
        Assert.Equal(At(first, 17), autoOut.GetProperty("checkedOutAt").GetDateTimeOffset());
        Assert.Equal(8 * 60, autoOut.GetProperty("serviceMinutes").GetInt32());
        // Evaluation hears the same minutes.
        Assert.Equal(8 * 60, (await recorded.WaitForAsync(e => e.AttendanceId == forgotten.Id() && e.Change == AttendanceChange.CheckedOut)).ServiceMinutes);
        var totals = await completed.WaitForAsync(e => e.ActivityId == id);
        Assert.Equal((3, 8 * 60 + 16 * 60 + 150), (totals.Attendees, totals.ServiceMinutes));
    }

    [Fact]
    public async Task The_three_failures_of_a_generated_month_list_exactly_the_members_behind_them()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        // Two more active members: 7 (unit 1, community 1) never reported; 8 (unit 2, community 2) has a report still pending.
        ReplicaMember Extra(string code, string name, Guid unitId, ReplicaArea community, ReplicaArea grid) => new()
        {
            Id = Guid.CreateVersion7(), Version = 1, Code = code, Name = name, UnitId = unitId, CommunityId = community.Id, GridId = grid.Id, Status = "active",
        };
        var member7 = Extra("M0007", "赵敏", county.Unit1.Id, county.Community1, county.Grid2);
        var member8 = Extra("M0008", "孙强", county.Unit2.Id, county.Community2, county.Grid3);
        await AddReplicasAsync(platform, county, member7, member8, new ReplicaReport
        {
            Id = Guid.CreateVersion7(), Version = 1, Kind = "member", MemberId = member8.Id, UnitId = county.Unit2.Id, CommunityId = county.Community2.Id,
            Status = "pending", SubmittedAt = DateTimeOffset.UtcNow.AddDays(-2),
        });
        var m = county.Members;
        var month = MonthFromNow(2);
        var generated = (await (await client.PostJsonAsync(county.Path("activities/generate"), new { month })).OkAsync()).GetProperty("activities").EnumerateArray().ToList();
        var week1 = generated.Single(a => a.GetProperty("communityId").GetGuid() == county.Community1.Id && a.GetProperty("kind").GetString() == "reporting_week");
        var day1 = generated.Single(a => a.GetProperty("communityId").GetGuid() == county.Community1.Id && a.GetProperty("kind").GetString() == "themed_party_day");
        await OpenAsync(client, county, week1.Id());
        await OpenAsync(client, county, day1.Id());
        // The month lies ahead, where nobody checks in yet: its check-ins are written as a check-in by code saves them.
        async Task<Guid> CheckInAsync(System.Text.Json.JsonElement activity, ReplicaMember member)
        {
            var attendance = new Attendance
            {
                Id = Guid.CreateVersion7(), ActivityId = activity.Id(), MemberId = member.Id, UnitId = member.UnitId,
                CheckedInAt = activity.GetProperty("startsAt").GetDateTimeOffset(), CheckInMethod = AttendanceMethod.Code,
            };
            await AddReplicasAsync(platform, county, attendance);
            return attendance.Id;
        }
        async Task OutcomeAsync(Guid attendanceId, string text) =>
            await (await client.PostJsonAsync(county.Path($"attendances/{attendanceId}/outcome"), new { text })).OkAsync();

        await OutcomeAsync(await CheckInAsync(week1, m[0]), "走访独居老人2户");      // 1: came and served
        await CheckInAsync(day1, m[1]);                                             // 2: came, did nothing
        await OutcomeAsync(await CheckInAsync(week1, m[3]), "义诊测血压15人");       // 4: lives in community 1, served
        await CheckInAsync(day1, member7);                                          // 7: walk-in without a report, did nothing
        // 3 served, but in the month after: it does not count for this one.
        var next = DateTimeOffset.Parse(Days(MonthFromNow(3)).From + "T02:00:00Z");
        var later = await CreateActivityAsync(client, county, next, next.AddHours(2), communityId: county.Community2.Id);
        await OpenAsync(client, county, later.Id());
        await OutcomeAsync(await CheckInAsync(later, m[2]), "调解邻里纠纷");

        var (from, to) = Days(month);
        var failures = await client.GetJsonAsync(county.Path($"three-failures?from={from}&to={to}&communityId=&unitId="));

        var total = failures.GetProperty("county");
        Assert.Equal(7, total.GetProperty("members").GetInt32()); // 1–5, 7, 8; 6 has left
        Assert.Equal(new[] { member7.Id, member8.Id }, total.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[2].Id, m[4].Id }, total.GetProperty("reportedAbsent").Ids());
        Assert.Equal(new[] { m[1].Id, member7.Id }, total.GetProperty("presentIdle").Ids());
        Assert.Equal(2, total.GetProperty("presentIdleCount").GetInt32());

        var unit1 = failures.GetProperty("units").EnumerateArray().Single(u => u.Id() == county.Unit1.Id);
        Assert.Equal("县财政局机关党支部", unit1.GetProperty("name").GetString());
        Assert.Equal(4, unit1.GetProperty("members").GetInt32());
        Assert.Equal(new[] { member7.Id }, unit1.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[4].Id }, unit1.GetProperty("reportedAbsent").Ids());
        Assert.Equal(new[] { m[1].Id, member7.Id }, unit1.GetProperty("presentIdle").Ids());
        var unit2 = failures.GetProperty("units").EnumerateArray().Single(u => u.Id() == county.Unit2.Id);
        Assert.Equal(new[] { member8.Id }, unit2.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[2].Id }, unit2.GetProperty("reportedAbsent").Ids());
        Assert.Empty(unit2.GetProperty("presentIdle").Ids());

        var community1 = failures.GetProperty("communities").EnumerateArray().Single(c => c.Id() == county.Community1.Id);
        Assert.Equal("东门社区", community1.GetProperty("name").GetString());
        Assert.Equal(5, community1.GetProperty("members").GetInt32()); // 1, 2, 4 (unit 2, lives here), 5, 7
        Assert.Equal(new[] { member7.Id }, community1.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[4].Id }, community1.GetProperty("reportedAbsent").Ids());
        Assert.Equal(new[] { m[1].Id, member7.Id }, community1.GetProperty("presentIdle").Ids());
        var community2 = failures.GetProperty("communities").EnumerateArray().Single(c => c.Id() == county.Community2.Id);
        Assert.Equal(new[] { member8.Id }, community2.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[2].Id }, community2.GetProperty("reportedAbsent").Ids());

        var ofUnit2 = (await client.GetJsonAsync(county.Path($"three-failures?from={from}&to={to}&unitId={county.Unit2.Id}"))).GetProperty("county");
        Assert.Equal(3, ofUnit2.GetProperty("members").GetInt32());
        Assert.Equal(new[] { member8.Id }, ofUnit2.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[2].Id }, ofUnit2.GetProperty("reportedAbsent").Ids());
        var ofCommunity2 = (await client.GetJsonAsync(county.Path($"three-failures?from={from}&to={to}&communityId={county.Community2.Id}"))).GetProperty("county");
        Assert.Equal(new[] { member8.Id }, ofCommunity2.GetProperty("notReported").Ids());
        Assert.Equal(new[] { m[2].Id }, ofCommunity2.GetProperty("reportedAbsent").Ids());
        Assert.Equal(2, ofCommunity2.GetProperty("members").GetInt32());

        // The counts alone, for a dashboard: the same numbers, no member named.
        var counts = await client.GetJsonAsync(county.Path($"three-failures?from={from}&to={to}&members=false"));
        var countyCounts = counts.GetProperty("county");
        Assert.Equal((7, 2, 2, 2), (countyCounts.GetProperty("members").GetInt32(), countyCounts.GetProperty("notReportedCount").GetInt32(),
            countyCounts.GetProperty("reportedAbsentCount").GetInt32(), countyCounts.GetProperty("presentIdleCount").GetInt32()));
        Assert.Equal(1, counts.GetProperty("units").EnumerateArray().Single(u => u.Id() == county.Unit2.Id).GetProperty("notReportedCount").GetInt32());
        Assert.All(new[] { countyCounts }.Concat(counts.GetProperty("units").EnumerateArray()).Concat(counts.GetProperty("communities").EnumerateArray()), group =>
            Assert.All(new[] { "notReported", "reportedAbsent", "presentIdle" }, list => Assert.Empty(group.GetProperty(list).EnumerateArray())));

        // The month after: 3 served; everyone else with a report never came.
        var (nextFrom, nextTo) = Days(MonthFromNow(3));
        var after = (await client.GetJsonAsync(county.Path($"three-failures?from={nextFrom}&to={nextTo}"))).GetProperty("county");
        Assert.Equal(new[] { m[0].Id, m[1].Id, m[3].Id, m[4].Id }, after.GetProperty("reportedAbsent").Ids());
        Assert.Empty(after.GetProperty("presentIdle").Ids());
    }

    [Fact]
    public async Task A_past_periods_three_failures_count_the_members_and_reports_of_that_period_not_of_today()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var now = DateTimeOffset.UtcNow;
        ReplicaMember Member(string code, string status, int joinedDaysAgo, int? leftDaysAgo) => new()
        {
            Id = Guid.CreateVersion7(), Version = 1, Code = code, Name = "成员" + code, UnitId = county.Unit1.Id, CommunityId = county.Community1.Id,
            GridId = county.Grid1.Id, Status = status, JoinedAt = now.AddDays(-joinedDaysAgo), LeftAt = leftDaysAgo is { } d ? now.AddDays(-d) : null,
        };
        var leftSince = Member("M0101", "left", 300, 10);       // a member through the period, left since
        var leftBefore = Member("M0102", "left", 300, 90);      // left before the period
        var joinedSince = Member("M0103", "active", 5, null);    // joined after the period
        var withdrawnSince = Member("M0104", "active", 300, null);
        await AddReplicasAsync(platform, county, leftSince, leftBefore, joinedSince, withdrawnSince, new ReplicaReport
        {
            Id = Guid.CreateVersion7(), Version = 3, Kind = "member", MemberId = withdrawnSince.Id, UnitId = county.Unit1.Id, CommunityId = county.Community1.Id,
            Status = "withdrawn", SubmittedAt = now.AddDays(-101), ConfirmedAt = now.AddDays(-100), WithdrawnAt = now.AddDays(-20),
        });

        // The period: 60 to 31 days ago.
        string Day(int daysAgo) => now.AddHours(8).AddDays(-daysAgo).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var total = (await client.GetJsonAsync(county.Path($"three-failures?from={Day(60)}&to={Day(31)}&unitId={county.Unit1.Id}"))).GetProperty("county");
        var notReported = total.GetProperty("notReported").Ids().ToList();
        Assert.Contains(leftSince.Id, notReported);
        Assert.DoesNotContain(leftBefore.Id, notReported);
        Assert.DoesNotContain(joinedSince.Id, notReported);
        Assert.DoesNotContain(withdrawnSince.Id, notReported);
        Assert.Contains(withdrawnSince.Id, total.GetProperty("reportedAbsent").Ids());

        // Today, the member who left is no longer counted, and the withdrawn report no longer stands.
        var today = (await client.GetJsonAsync(county.Path($"three-failures?from={Day(0)}&to={Day(0)}&unitId={county.Unit1.Id}"))).GetProperty("county");
        Assert.DoesNotContain(leftSince.Id, today.GetProperty("notReported").Ids());
        Assert.Contains(joinedSince.Id, today.GetProperty("notReported").Ids());
        Assert.Contains(withdrawnSince.Id, today.GetProperty("notReported").Ids());
    }
}
