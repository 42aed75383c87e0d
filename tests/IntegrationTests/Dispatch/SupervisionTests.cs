using System.Net;
using Platform.Contracts.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>
/// Supervision across a restart: deadlines are durable timers, so a request whose deadline passes
/// while the service is down is found overdue, escalated and announced when it comes back — here
/// by restarting Dispatch with its clock moved ahead (Clock__Offset), as a fake TimeProvider would.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SupervisionTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Deadlines_that_pass_while_the_service_is_down_are_acted_on_after_a_restart()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var members = county.Members;
        await using var overdue = await EventProbe<RequestOverdue>.StartAsync(platform);
        await using var escalated = await EventProbe<RequestEscalated>.StartAsync(platform);
        await using var released = await EventProbe<RequestReleased>.StartAsync(platform);
        await using var reminded = await EventProbe<RequestDeadlineApproaching>.StartAsync(platform);

        // Dispatched to a member who never accepts: the response deadline (24 h) will pass.
        var unanswered = (await steps.PlaceAsync("单元门禁损坏，陌生人随意进出")).Id();
        await steps.DispatchAsync(unanswered, "ordinary", "member", new { memberId = members[1].Id });
        // Claimed from the pool and never started: the claim (24 h to start) will return to the pool.
        var idle = (await steps.PlaceAsync("楼顶防水层破损漏雨", category: "safety")).Id();
        await steps.DispatchAsync(idle, "ordinary", "pool");
        await steps.DoAsync(idle, "claim", new { memberId = members[0].Id });
        // Being worked on, completion due in 72 h: nothing happens to it at +25 h; at +60 h it is at risk.
        var onTrack = await steps.InProgressWithAsync(members[4].Id, "小区路面坑洼需要修补");
        // Triaged as simple (2 h to respond, 24 h to complete): the response deadline set at placing moves
        // earlier with a reminder of its own; both reminders lead to the one deadline as it stands now.
        var hurriedPlaced = await steps.PlaceAsync("消防通道被杂物堵塞", category: "safety", communityId: county.Community2.Id);
        var hurried = hurriedPlaced.Id();
        var hurriedAt = hurriedPlaced.GetProperty("placedAt").GetDateTimeOffset();
        await steps.DispatchAsync(hurried, "simple", "member", new { memberId = members[2].Id });

        try
        {
            await platform.RestartAsync("dispatch", new Dictionary<string, string> { ["Clock__Offset"] = TimeSpan.FromHours(25).ToString() });

            var late = await overdue.WaitForAsync(e => e.Request.RequestId == unanswered, TimeSpan.FromSeconds(30));
            Assert.Equal("response", late.Deadline);
            Assert.True(late.DetectedAt > late.DueAt);
            var up = await escalated.WaitForAsync(e => e.Request.RequestId == unanswered, TimeSpan.FromSeconds(30));
            Assert.Equal(("community", "response_overdue", county.Community1.Id), (up.Level, up.Reason, up.AreaId));
            var back = await released.WaitForAsync(e => e.Request.RequestId == idle, TimeSpan.FromSeconds(30));
            Assert.Equal(("claim_expired", members[0].Id), (back.Reason, back.MemberId));

            foreach (var (deadline, hours) in new[] { ("response", 2), ("completion", 24) })
            {
                var passed = await overdue.WaitForAsync(e => e.Request.RequestId == hurried && e.Deadline == deadline, TimeSpan.FromSeconds(30));
                Assert.InRange((passed.DueAt - hurriedAt.AddHours(hours)).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
            }
            await Poll.UntilAsync(async () => (await steps.GetAsync(idle)).GetProperty("status").GetString(), s => s == "pooled", TimeSpan.FromSeconds(10), "the idle claim to return to the pool");
            var request = await steps.GetAsync(unanswered);
            Assert.True(request.GetProperty("overdue").GetBoolean());
            Assert.True(request.GetProperty("escalationLevel").GetString() == "community",
                (await client.GetJsonAsync(county.Path($"requests/{unanswered}/history"))).ToString());
            Assert.False((await steps.GetAsync(onTrack)).GetProperty("overdue").GetBoolean());

            // The supervisor's view: per community, and the overdue list.
            var summary = await client.GetJsonAsync(county.Path("supervision/summary?level=community"));
            var row = summary.GetProperty("areas").EnumerateArray().Single(a => a.GetProperty("areaId").GetGuid() == county.Community1.Id);
            Assert.Equal(1, row.GetProperty("overdue").GetInt32());
            Assert.Equal(3, row.GetProperty("open").GetInt32());
            Assert.Equal(1, row.GetProperty("escalationsOpen").GetInt32());
            var street = await client.GetJsonAsync(county.Path("supervision/summary?level=street"));
            Assert.Equal(county.Street.Id, Assert.Single(street.GetProperty("areas").EnumerateArray()).GetProperty("areaId").GetGuid());
            var list = await client.GetJsonAsync(county.Path($"supervision/requests?state=overdue&communityId={county.Community1.Id}"));
            Assert.Equal(unanswered, Assert.Single(list.GetProperty("items").EnumerateArray()).Id());

            // The community does not respond within its limit (8 h): the request climbs to the street. And the
            // request being worked on enters the last fifth of its 72 hours: its holder is reminded.
            await platform.RestartAsync("dispatch", new Dictionary<string, string> { ["Clock__Offset"] = TimeSpan.FromHours(60).ToString() });
            var reminder = await reminded.WaitForAsync(e => e.Request.RequestId == onTrack, TimeSpan.FromSeconds(30));
            Assert.Equal("completion", reminder.Deadline);
            Assert.Equal([members[4].Id], reminder.Request.AssigneeMemberIds);
            var climbed = await escalated.WaitForAsync(e => e.Request.RequestId == unanswered && e.Level == "street", TimeSpan.FromSeconds(30));
            Assert.Equal("unanswered", climbed.Reason);
            Assert.Equal(county.Street.Id, climbed.AreaId);
            Assert.Contains("overdue", await steps.HistoryActionsAsync(unanswered));
            // Each deadline of the triaged request was found overdue once, whichever reminders fired since.
            Assert.Equal(2, (await steps.HistoryActionsAsync(hurried)).Count(a => a == "overdue"));
        }
        finally
        {
            await platform.RestartAsync("dispatch");
        }
        await (await client.GetAsync(county.Path("supervision/summary?level=grid"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "level");
        await (await client.GetAsync(county.Path("supervision/requests?state=late"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "state");
    }
    [Fact]
    public async Task A_moved_deadline_is_reminded_at_its_own_moment_a_reopened_one_counts_from_the_reopening_and_an_answer_closes_the_escalation()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var database = platform.Databases["dispatch"].Name;
        var member = county.Members[3].Id;

        // Placed with the ordinary response limit (24 h, reminder at 19.2 h), then triaged complex (48 h): the
        // reminder set at placing no longer stands, the moved deadline's own (at 38.4 h) does.
        var slowed = (await steps.PlaceAsync("小区健身器材老化需要整体更换", category: "safety")).Id();
        await steps.DispatchAsync(slowed, "complex", "pool");
        // Left undispatched: its response deadline passes and it climbs to the community.
        var answered = (await steps.PlaceAsync("咨询老年人高龄补贴怎么申请", category: "livelihood", communityId: county.Community2.Id)).Id();
        // Finished, then reopened a day later: its fresh 72 hours count from the reopening.
        var reopened = await steps.InProgressWithAsync(member, "小区排水沟堵塞，雨天积水");
        await steps.DoAsync(reopened, "complete", new { memberId = member, result = "已疏通" });

        string Timers(Guid id) => $"SELECT coalesce(string_agg(t.kind || '@' || round(extract(epoch FROM t.due_at - r.placed_at) / 3600.0, 1), ',' ORDER BY t.due_at), '') "
            + $"FROM supervision_timers t JOIN requests r ON r.id = t.subject_id WHERE t.subject_id = '{id}'";
        try
        {
            await platform.RestartAsync("dispatch", new Dictionary<string, string> { ["Clock__Offset"] = TimeSpan.FromHours(25).ToString() });

            // The reminder set at placing fired and did nothing: no reminder 19 hours into a 48-hour window.
            var pending = await Poll.UntilAsync(() => fixture.QueryScalarAsync<string>(database, Timers(slowed)),
                timers => !timers.Contains("@19.2", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the reminder set at placing to fire");
            Assert.Equal("response_reminder@38.4,completion_reminder@192.0", pending);
            Assert.DoesNotContain("remind", await steps.HistoryActionsAsync(slowed));

            // Answered at once after it climbed: finished, so its escalation closes (it no longer waits on the community).
            await Poll.UntilAsync(async () => (await steps.GetAsync(answered)).GetProperty("escalationLevel").GetString(), level => level == "community",
                TimeSpan.FromSeconds(30), "the unanswered request to climb to the community");
            await steps.DispatchAsync(answered, "simple", "answer", new { answer = "携带身份证和户口本到社区服务站办理，当场受理" });
            var escalations = await client.GetJsonAsync(county.Path($"escalations?requestId={answered}"));
            Assert.Equal("closed", Assert.Single(escalations.GetProperty("items").EnumerateArray()).GetProperty("status").GetString());
            var summary = await client.GetJsonAsync(county.Path("supervision/summary?level=community"));
            Assert.DoesNotContain(summary.GetProperty("areas").EnumerateArray(),
                a => a.GetProperty("areaId").GetGuid() == county.Community2.Id && a.GetProperty("escalationsOpen").GetInt32() > 0);

            // Rated dissatisfied 25 hours after placing: the window of the new deadline starts now, and so does its last fifth.
            await steps.DoAsync(reopened, "rate", new { satisfaction = "dissatisfied", comment = "下雨又积水了", ratedBy = "staff" });
            var window = await fixture.QueryScalarAsync<string>(database,
                $"SELECT round(extract(epoch FROM completion_counts_from - placed_at) / 3600.0) || ',' || round(extract(epoch FROM completion_due_at - completion_counts_from) / 3600.0, 1) "
                + $"|| ',' || round(extract(epoch FROM completion_warn_at - completion_counts_from) / 3600.0, 1) FROM requests WHERE id = '{reopened}'");
            Assert.Equal("25,72.0,57.6", window);
            Assert.EndsWith("completion_reminder@82.6", await fixture.QueryScalarAsync<string>(database, Timers(reopened)));
        }
        finally
        {
            await platform.RestartAsync("dispatch");
        }
    }
}
