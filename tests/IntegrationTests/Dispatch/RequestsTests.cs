using System.Net.Http.Json;
using System.Net;
using Platform.Contracts.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>The closed loop through the gateway: every path a request can take, with its events and history.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RequestsTests(PlatformFixture fixture)
{
    private async Task<RequestSteps> StepsAsync()
    {
        var platform = await fixture.PlatformAsync();
        return new RequestSteps(platform.Gateway(), await DispatchSeed.CountyAsync(platform));
    }

    [Fact]
    public async Task A_request_dispatched_to_a_member_is_accepted_worked_completed_and_closed_by_a_satisfied_rating()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var county = steps.County;
        var member = county.Members[0].Id;
        await using var placedEvents = await EventProbe<RequestPlaced>.StartAsync(platform);
        await using var completedEvents = await EventProbe<RequestCompleted>.StartAsync(platform);
        await using var ratedEvents = await EventProbe<RequestRated>.StartAsync(platform);

        var placed = await steps.PlaceAsync();
        var id = placed.Id();
        Assert.Equal("placed", placed.GetProperty("status").GetString());
        Assert.Equal("13812345678", placed.GetProperty("residentPhone").GetString());
        Assert.Equal(county.Street.Id, placed.GetProperty("streetId").GetGuid());

        var dispatched = await steps.DispatchAsync(id, "ordinary", "member", new { memberId = member, note = "请张伟同志处理" });
        Assert.Equal("assigned", dispatched.GetProperty("status").GetString());
        var placedAt = placed.GetProperty("placedAt").GetDateTimeOffset();
        Assert.Equal(placedAt.AddHours(24), dispatched.GetProperty("responseDueAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(placedAt.AddHours(72), dispatched.GetProperty("completionDueAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        await steps.DoAsync(id, "accept", new { memberId = member });
        await steps.DoAsync(id, "start", new { memberId = member });
        await steps.DoAsync(id, "progress", new { memberId = member, note = "已采购声控灯", evidence = new[] { "https://files.example.cn/receipt.jpg" } });
        var completed = await steps.DoAsync(id, "complete", new { memberId = member, result = "已更换声控灯2盏" });
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        var closed = await steps.DoAsync(id, "rate", new { satisfaction = "satisfied", comment = "很及时", ratedBy = "resident" });
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.True(closed.GetProperty("resolved").GetBoolean());

        Assert.Equal(["place", "dispatch", "accept", "start", "progress", "complete", "rate"], await steps.HistoryActionsAsync(id));
        var history = await steps.Client.GetJsonAsync(county.Path($"requests/{id}/history"));
        Assert.Equal("member", history[2].GetProperty("actorRole").GetString());
        Assert.Equal(member.ToString(), history[2].GetProperty("actorId").GetString());
        // Recorded by id (nobody named the member in headers); the history reads the name from the county's members.
        Assert.Equal(county.Members[0].Name, history[2].GetProperty("actorName").GetString());
        Assert.Equal("hotline", history[0].GetProperty("channel").GetString());

        await placedEvents.WaitForAsync(e => e.Request.RequestId == id && e.Request.Status == "placed");
        var done = await completedEvents.WaitForAsync(e => e.Request.RequestId == id);
        Assert.True(done.OnTime);
        Assert.Equal("ordinary", done.Request.Tier);
        Assert.Equal([member], done.Request.AssigneeMemberIds);
        Assert.Equal(county.Unit1.Id, done.Request.AssigneeUnitId);
        var rated = await ratedEvents.WaitForAsync(e => e.Request.RequestId == id);
        Assert.Equal("satisfied", rated.Satisfaction);
        Assert.True(rated.Request.Version > done.Request.Version);

        // Lists mask the resident's phone; the request itself shows it to those handling it.
        var list = await steps.Client.GetJsonAsync(county.Path("requests?status=closed"));
        Assert.Equal("138****5678", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("residentPhone").GetString());
    }

    [Fact]
    public async Task Two_members_racing_for_a_pool_claim_never_both_win()
    {
        var steps = await StepsAsync();
        var (first, second) = (steps.County.Members[0].Id, steps.County.Members[4].Id);
        for (var round = 0; round < 5; round++)
        {
            var id = (await steps.PlaceAsync($"第{round}号楼下水道堵塞，污水外溢")).Id();
            await steps.DispatchAsync(id, "ordinary", "pool");
            var answers = await Task.WhenAll(
                steps.CommandAsync(id, "claim", new { memberId = first }),
                steps.CommandAsync(id, "claim", new { memberId = second }));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            var loser = Assert.Single(answers, a => a.StatusCode != HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.Conflict, loser.StatusCode);
            var request = await steps.GetAsync(id);
            Assert.Equal("claimed", request.GetProperty("status").GetString());
            Assert.Equal(1, request.GetProperty("holders").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_team_request_is_claimed_jointly_up_to_its_places_and_a_holder_can_hand_back()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var members = steps.County.Members;
        await using var released = await EventProbe<RequestReleased>.StartAsync(platform);
        var id = (await steps.PlaceAsync("小区公共绿地需要集中清理整治", category: "environment")).Id();
        await steps.DispatchAsync(id, "ordinary", "pool", new { joint = true, maxClaimants = 2 });
        await steps.DoAsync(id, "claim", new { memberId = members[0].Id });
        var both = await steps.DoAsync(id, "claim", new { memberId = members[4].Id });
        Assert.Equal(2, both.GetProperty("holders").GetArrayLength());
        await (await steps.CommandAsync(id, "claim", new { memberId = members[1].Id })).ProblemAsync(HttpStatusCode.Conflict, "request_team_full");
        await (await steps.CommandAsync(id, "claim", new { memberId = members[0].Id })).ProblemAsync(HttpStatusCode.Conflict, "request_already_held", "memberId");

        var one = await steps.DoAsync(id, "hand-back", new { memberId = members[0].Id, reason = "临时出差" });
        Assert.Equal("claimed", one.GetProperty("status").GetString());
        var none = await steps.DoAsync(id, "hand-back", new { memberId = members[4].Id, reason = "身体不适" });
        Assert.Equal("pooled", none.GetProperty("status").GetString());
        Assert.Equal(0, none.GetProperty("holders").GetArrayLength());
        var last = await released.WaitForAsync(e => e.Request.RequestId == id && e.MemberId == members[4].Id);
        Assert.Equal("handed_back", last.Reason);
        Assert.Equal("身体不适", last.Note);
    }

    [Fact]
    public async Task Members_racing_for_the_places_of_a_team_request_all_get_one_while_places_remain()
    {
        var steps = await StepsAsync();
        var members = steps.County.Members;
        Guid[] racing = [members[0].Id, members[1].Id, members[4].Id];
        for (var round = 0; round < 3; round++)
        {
            var id = (await steps.PlaceAsync($"第{round}栋楼外墙小广告需要集中清理", category: "environment")).Id();
            await steps.DispatchAsync(id, "ordinary", "pool", new { joint = true, maxClaimants = 3 });
            var answers = await Task.WhenAll(racing.Select(member => steps.CommandAsync(id, "claim", new { memberId = member })));
            foreach (var answer in answers)
            {
                await answer.OkAsync();
            }
            var holders = (await steps.GetAsync(id)).GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("memberId").GetGuid());
            Assert.Equal(racing.Order(), holders.Order());
            Assert.Equal(3, (await steps.HistoryActionsAsync(id)).Count(a => a == "claim"));
        }

        // More racing than places: the places fill, and the others learn the team is full.
        var two = (await steps.PlaceAsync("楼顶水箱需要清洗消毒", category: "environment")).Id();
        await steps.DispatchAsync(two, "ordinary", "pool", new { joint = true, maxClaimants = 2 });
        var raced = await Task.WhenAll(racing.Select(member => steps.CommandAsync(two, "claim", new { memberId = member })));
        Assert.Equal(2, raced.Count(a => a.StatusCode == HttpStatusCode.OK));
        await Assert.Single(raced, a => a.StatusCode != HttpStatusCode.OK).ProblemAsync(HttpStatusCode.Conflict, "request_team_full");
        Assert.Equal(2, (await steps.GetAsync(two)).GetProperty("holders").GetArrayLength());
    }

    [Fact]
    public async Task A_pairing_that_begins_on_the_countys_today_lets_its_members_claim_before_eight_in_the_morning()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var county = steps.County;
        // 李娜 serves in unit 2 and lives in community 2; unit 2 is paired with community 1 from the county's today,
        // read between 00:30 and 07:30 in the county (Asia/Shanghai), when UTC is still at the day before. Dispatch's
        // clock moves ahead by at most 17 hours: the request's response reminder (19.2 h into its 24 h) stays away.
        var member = county.Members[2].Id;
        var now = DateTimeOffset.UtcNow;
        var windowStart = new DateTimeOffset(now.UtcDateTime.Date.AddHours(16.5), TimeSpan.Zero);
        var moment = now < windowStart ? windowStart : now < windowStart.AddHours(7) ? now : windowStart.AddDays(1);
        var tenant = new ServiceDefaults.Tenancy.TenantContext();
        tenant.Set(county.CountyId);
        await using (var db = Contexts.Create<Platform.Dispatch.DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, tenant))
        {
            db.Pairings.Add(new RegistryReplica.ReplicaPairing
            {
                Id = Guid.CreateVersion7(), Version = 1, UnitId = county.Unit2.Id, CommunityId = county.Community1.Id, GridIds = [county.Grid1.Id],
                StartsOn = DateOnly.FromDateTime(moment.UtcDateTime.AddHours(8)),
            });
            await db.SaveChangesAsync();
        }
        var id = (await steps.PlaceAsync("小区路灯线路老化需要检修")).Id();
        await steps.DispatchAsync(id, "ordinary", "pool");
        try
        {
            await platform.RestartAsync("dispatch", new Dictionary<string, string> { ["Clock__Offset"] = (moment - now).ToString() });

            var candidates = await steps.Client.GetJsonAsync(county.Path($"requests/{id}/candidates?limit=10"));
            var proximity = candidates.EnumerateArray().Single(c => c.GetProperty("memberId").GetGuid() == member).GetProperty("factors")[1];
            Assert.Equal(10, proximity.GetProperty("points").GetDouble());
            var claimed = await steps.DoAsync(id, "claim", new { memberId = member });
            Assert.Equal(member, Assert.Single(claimed.GetProperty("holders").EnumerateArray()).GetProperty("memberId").GetGuid());
        }
        finally
        {
            await platform.RestartAsync("dispatch");
        }
    }

    [Fact]
    public async Task A_dissatisfied_rating_reopens_the_request_until_it_is_really_fixed()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var member = steps.County.Members[0].Id;
        await using var reopened = await EventProbe<RequestReopened>.StartAsync(platform);
        var id = await steps.InProgressWithAsync(member);
        await steps.DoAsync(id, "complete", new { memberId = member, result = "已修好" });

        var again = await steps.DoAsync(id, "rate", new { satisfaction = "dissatisfied", comment = "第二天又不亮了", ratedBy = "staff" });
        Assert.Equal("in_progress", again.GetProperty("status").GetString());
        Assert.Equal(1, again.GetProperty("reopenCount").GetInt32());
        Assert.Equal(JsonValueKindNull, again.GetProperty("completedAt").ValueKind);
        var reopenEvent = await reopened.WaitForAsync(e => e.Request.RequestId == id);
        Assert.Equal("dissatisfied", reopenEvent.Reason);

        await steps.DoAsync(id, "complete", new { memberId = member, result = "更换了线路和灯具" });
        var closed = await steps.DoAsync(id, "rate", new { satisfaction = "basically_satisfied" });
        Assert.Equal("closed", closed.GetProperty("status").GetString());

        // Closed is not resolved: staff reopen it when the return visit finds it not fixed.
        var notFixed = await steps.DoAsync(id, "reopen", new { reason = "回访发现仍有一盏不亮" });
        Assert.Equal(2, notFixed.GetProperty("reopenCount").GetInt32());
        Assert.Equal(["place", "dispatch", "accept", "start", "complete", "reopen", "complete", "rate", "reopen"], await steps.HistoryActionsAsync(id));
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task An_extension_asked_before_the_deadline_moves_it_once_approved()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var member = steps.County.Members[0].Id;
        await using var extended = await EventProbe<RequestExtended>.StartAsync(platform);
        var id = await steps.InProgressWithAsync(member);
        var due = (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset();

        await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddHours(-1), reason = "配件缺货" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "extension_not_later", "proposedDueAt");
        // Asked in the county's own offset: the same instant, kept in UTC.
        var asked = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(2).ToOffset(TimeSpan.FromHours(8)), reason = "配件缺货，需等厂家发货" }))
            .OkAsync(HttpStatusCode.Created);
        await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(3), reason = "再延" }))
            .ProblemAsync(HttpStatusCode.Conflict, "extension_pending");

        var approved = await steps.DoAsync(id, $"extensions/{asked.Id()}/approve", new { note = "同意" });
        Assert.Equal("approved", approved.GetProperty("status").GetString());
        Assert.Equal(due.AddDays(2), (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset());
        var moved = await extended.WaitForAsync(e => e.Request.RequestId == id);
        Assert.Equal(due, moved.PreviousDueAt);
        // The history says it in the county's time, as its staff read it.
        string Local(DateTimeOffset moment) => moment.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture);
        var history = await steps.Client.GetJsonAsync(steps.County.Path($"requests/{id}/history"));
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("action").GetString() == "extension_approved"
            && h.GetProperty("note").GetString() == $"deadline {Local(due)} → {Local(due.AddDays(2))}");
        var again = await (await steps.CommandAsync(id, $"extensions/{asked.Id()}/reject", new { }))
            .ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("Cannot reject an extension that is approved.", again.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_pending_extension_is_withdrawn_when_the_request_is_completed()
    {
        var steps = await StepsAsync();
        var member = steps.County.Members[0].Id;
        var id = await steps.InProgressWithAsync(member);
        var due = (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset();
        var asked = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(2), reason = "配件缺货" }))
            .OkAsync(HttpStatusCode.Created);
        await steps.DoAsync(id, "complete", new { memberId = member, result = "找到替代配件，已修好" });

        var extension = Assert.Single((await steps.Client.GetJsonAsync(steps.County.Path($"requests/{id}/extensions"))).EnumerateArray());
        Assert.Equal("withdrawn", extension.GetProperty("status").GetString());
        foreach (var decision in new[] { "approve", "reject" })
        {
            var problem = await (await steps.CommandAsync(id, $"extensions/{asked.Id()}/{decision}", new { })).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
            Assert.Equal("withdrawn", problem.GetProperty("state").GetString());
        }
        await steps.DoAsync(id, "rate", new { satisfaction = "satisfied" });
        Assert.Equal(["place", "dispatch", "accept", "start", "extension_requested", "complete", "rate"], await steps.HistoryActionsAsync(id));

        // Reopened, it may ask for time again: nothing from before is left waiting.
        var reopened = await steps.DoAsync(id, "reopen", new { reason = "回访发现仍有问题" });
        var again = reopened.GetProperty("completionDueAt").GetDateTimeOffset();
        await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = again.AddDays(1), reason = "再等配件" })).OkAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_complex_request_goes_up_for_study_and_climbs_the_chain_to_the_county()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var county = steps.County;
        await using var escalated = await EventProbe<RequestEscalated>.StartAsync(platform);
        var id = (await steps.PlaceAsync("小区加装电梯涉及多户意见不一，需要协调", category: "dispute_mediation")).Id();

        var dispatched = await steps.DispatchAsync(id, "complex", "unit", new { unitId = county.Unit1.Id });
        Assert.Equal("street", dispatched.GetProperty("escalationLevel").GetString());
        var toStreet = await escalated.WaitForAsync(e => e.Request.RequestId == id && e.Level == "street");
        Assert.Equal("complex", toStreet.Reason);
        Assert.Equal(county.Street.Id, toStreet.AreaId);

        var open = await steps.Client.GetJsonAsync(county.Path($"escalations?requestId={id}&status=open"));
        var step = Assert.Single(open.GetProperty("items").EnumerateArray());
        // The level now responsible answers: the community's officer does not answer for the street.
        using (var asCommunity = new HttpRequestMessage(HttpMethod.Post, county.Path($"escalations/{step.Id()}/acknowledge"))
        {
            Content = JsonContent.Create(new { by = "社区张主任", response = "社区代为答复" }),
        })
        {
            asCommunity.Headers.Add("X-Actor-Role", "community_officer");
            await (await steps.Client.SendAsync(asCommunity)).ProblemAsync(HttpStatusCode.Forbidden, "role_not_allowed", "X-Actor-Role");
        }
        using var asStreet = new HttpRequestMessage(HttpMethod.Post, county.Path($"escalations/{step.Id()}/acknowledge"))
        {
            Content = JsonContent.Create(new { by = "街道王主任", response = "召开协调会" }),
        };
        asStreet.Headers.Add("X-Actor-Role", "street_officer");
        var acknowledged = await (await steps.Client.SendAsync(asStreet)).OkAsync();
        Assert.Equal("acknowledged", acknowledged.GetProperty("status").GetString());
        await (await steps.Client.PostJsonAsync(county.Path($"escalations/{step.Id()}/acknowledge"), new { response = "again" }))
            .ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");

        var toCounty = await steps.DoAsync(id, "escalate", new { reason = "涉及规划审批，需县住建局研判" });
        Assert.Equal("county", toCounty.GetProperty("escalationLevel").GetString());
        await (await steps.CommandAsync(id, "escalate", new { reason = "再上报" })).ProblemAsync(HttpStatusCode.Conflict, "escalation_at_top");
        var chain = await steps.Client.GetJsonAsync(county.Path($"escalations?requestId={id}"));
        Assert.Equal(["superseded", "open"], chain.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("status").GetString()!).ToArray());
        Assert.Equal(["street", "county"], chain.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("level").GetString()!).ToArray());
    }

    [Fact]
    public async Task A_whistle_is_acknowledged_and_reported_by_the_unit()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var county = steps.County;
        await using var changes = await EventProbe<WhistleChanged>.StartAsync(platform);
        var path = county.Path("whistles");
        var blown = await (await steps.Client.PostJsonAsync(path, new
        {
            level = "street", areaId = county.Street.Id, unitId = county.Unit2.Id, matter = "片区停电，需供电公司到场抢修", blownBy = "街道李书记", acknowledgeHours = 1, reportHours = 12,
        })).OkAsync(HttpStatusCode.Created);
        Assert.Equal("blown", blown.GetProperty("status").GetString());
        await (await steps.Client.PostJsonAsync(path + $"/{blown.Id()}/report", new { report = "too early" })).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        await (await steps.Client.PostJsonAsync(path + $"/{blown.Id()}/acknowledge", new { by = "供电公司张经理" })).OkAsync();
        var reported = await (await steps.Client.PostJsonAsync(path + $"/{blown.Id()}/report", new { report = "已恢复供电", evidence = new[] { "https://files.example.cn/repair.jpg" } })).OkAsync();
        Assert.Equal("reported", reported.GetProperty("status").GetString());
        var seen = await changes.WaitForAsync(e => e.WhistleId == blown.Id() && e.Change == "reported");
        Assert.Equal(3, seen.Version);
        Assert.False(seen.Overdue);

        await (await steps.Client.PostJsonAsync(path, new { level = "grid", areaId = county.Street.Id, unitId = county.Unit2.Id, matter = "x" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "level");
        await (await steps.Client.PostJsonAsync(path, new { level = "street", areaId = county.Community1.Id, unitId = county.Unit2.Id, matter = "x" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "areaId");
        await (await steps.Client.PostJsonAsync(path, new { level = "street", areaId = county.Street.Id, unitId = Guid.NewGuid(), matter = "x" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "unitId");
        // A community blows the whistle on its own matters: not on a request of another community.
        var neighbours = (await steps.PlaceAsync("西街社区下水道堵塞", communityId: county.Community2.Id, gridId: county.Grid3.Id)).Id();
        await (await steps.Client.PostJsonAsync(path, new { level = "community", areaId = county.Community1.Id, unitId = county.Unit2.Id, requestId = neighbours, matter = "x" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "requestId");
        await (await steps.Client.PostJsonAsync(path, new { level = "community", areaId = county.Community2.Id, unitId = county.Unit2.Id, requestId = neighbours, matter = "下水道堵塞需供电公司配合" }))
            .OkAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_micro_wish_goes_on_the_wall_is_adopted_by_any_member_and_fulfilled()
    {
        var steps = await StepsAsync();
        var county = steps.County;
        var adopter = county.Members[2].Id; // lives in community 2, serves a unit paired elsewhere: micro-wishes are open to every member
        var id = (await steps.PlaceAsync("留守儿童小明想要一个新书包", category: "education", microWish: true)).Id();
        await steps.DispatchAsync(id, "simple", "pool");
        var wall = await steps.Client.GetJsonAsync(county.Path("micro-wishes?status=open"));
        Assert.Contains(wall.GetProperty("items").EnumerateArray(), w => w.Id() == id);

        await (await steps.Client.PostJsonAsync(county.Path($"micro-wishes/{id}/adopt"), new { memberId = adopter })).OkAsync();
        Assert.Contains((await steps.Client.GetJsonAsync(county.Path("micro-wishes?status=adopted"))).GetProperty("items").EnumerateArray(), w => w.Id() == id);
        await steps.DoAsync(id, "start", new { memberId = adopter });
        await steps.DoAsync(id, "complete", new { memberId = adopter, result = "已送去新书包和文具", evidence = new[] { "https://files.example.cn/bag.jpg" } });
        await steps.DoAsync(id, "rate", new { satisfaction = "satisfied" });
        Assert.Contains((await steps.Client.GetJsonAsync(county.Path("micro-wishes?status=fulfilled"))).GetProperty("items").EnumerateArray(), w => w.Id() == id);
        Assert.Equal(["place", "dispatch", "adopt", "start", "complete", "rate"], await steps.HistoryActionsAsync(id));

        // A wish given straight to a member was never on the wall: it is not listed as adopted.
        var given = (await steps.PlaceAsync("孤寡老人想要一台收音机", category: "education", microWish: true)).Id();
        await steps.DispatchAsync(given, "ordinary", "member", new { memberId = county.Members[0].Id });
        await steps.DoAsync(given, "accept", new { memberId = county.Members[0].Id });
        Assert.DoesNotContain((await steps.Client.GetJsonAsync(county.Path("micro-wishes?status=adopted&pageSize=200"))).GetProperty("items").EnumerateArray(), w => w.Id() == given);

        // An ordinary request is not a wish, and its pool is for paired units' members and residents only.
        var ordinary = (await steps.PlaceAsync("楼道堆放杂物", category: "safety")).Id();
        await (await steps.Client.PostJsonAsync(county.Path($"micro-wishes/{ordinary}/adopt"), new { memberId = adopter })).ProblemAsync(HttpStatusCode.NotFound, "micro_wish_not_found");
        await steps.DispatchAsync(ordinary, "ordinary", "pool");
        await (await steps.CommandAsync(ordinary, "claim", new { memberId = adopter })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "member_not_eligible", "memberId");
    }

    [Fact]
    public async Task A_simple_request_answered_at_once_is_completed_and_awaits_the_rating()
    {
        var steps = await StepsAsync();
        var id = (await steps.PlaceAsync("请问城乡居民医保今年什么时候开始缴费？", category: "policy_consultation")).Id();
        var answered = await steps.DispatchAsync(id, "simple", "answer", new { answer = "每年9月至12月集中缴费，可通过微信缴纳" });
        Assert.Equal("completed", answered.GetProperty("status").GetString());
        Assert.Equal(answered.GetProperty("respondedAt").GetDateTimeOffset(), answered.GetProperty("completedAt").GetDateTimeOffset());
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "answer", answer = "x" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "tier");
    }

    [Fact]
    public async Task A_placing_retried_with_its_idempotency_key_creates_one_request_and_replays_the_answer()
    {
        var platform = await fixture.PlatformAsync();
        var steps = await StepsAsync();
        var description = $"楼顶水箱漏水，{Guid.NewGuid():n}";
        var key = Guid.NewGuid().ToString();
        var body = new
        {
            category = "livelihood", description, communityId = steps.County.Community1.Id, gridId = steps.County.Grid1.Id, channel = "open311",
        };

        async Task<HttpResponseMessage> PlaceAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, steps.County.Path("requests")) { Content = System.Net.Http.Json.JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await steps.Client.SendAsync(request);
        }

        using var first = await PlaceAsync();
        using var retry = await PlaceAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(1, await platform.Fixture.QueryScalarAsync<long>(platform.Databases["dispatch"].Name,
            $"SELECT count(*) FROM requests WHERE description = '{description}'"));
    }

    [Fact]
    public async Task Similar_open_requests_in_the_same_grid_are_suggested_as_duplicates()
    {
        var steps = await StepsAsync();
        var first = await steps.PlaceAsync("5栋门口路灯不亮，晚上很黑");
        var second = await steps.PlaceAsync("5栋门口的路灯不亮了，晚上太黑");
        var suggestion = Assert.Single(second.GetProperty("possibleDuplicates").EnumerateArray());
        Assert.Equal(first.Id(), suggestion.Id());
        Assert.True(suggestion.GetProperty("similarity").GetDouble() >= 0.35);
        var other = await steps.PlaceAsync("小区健身器材损坏需要维修");
        Assert.Empty(other.GetProperty("possibleDuplicates").EnumerateArray());
        // Another grid of the community is not looked at; a request naming no grid looks at the whole community.
        var elsewhere = await steps.PlaceAsync("5栋门口路灯不亮，晚上很黑", gridId: steps.County.Grid2.Id);
        Assert.Empty(elsewhere.GetProperty("possibleDuplicates").EnumerateArray());
        var anywhere = await steps.PlaceAsync("5栋门口路灯不亮，晚上很黑", communityId: steps.County.Community1.Id);
        Assert.Equal(
            new[] { first.Id(), second.Id(), elsewhere.Id() }.Order(),
            anywhere.GetProperty("possibleDuplicates").EnumerateArray().Select(d => d.Id()).Order());

        var cancelled = await steps.DoAsync(second.Id(), "cancel", new { reason = "重复诉求", duplicateOf = first.Id() });
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Empty((await steps.Client.GetJsonAsync(steps.County.Path($"requests/{first.Id()}/duplicates"))).EnumerateArray());
        // A duplicate of a request no longer handled would leave the matter with nobody.
        await (await steps.CommandAsync(anywhere.Id(), "cancel", new { reason = "重复诉求", duplicateOf = second.Id() }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "duplicateOf");
        Assert.Equal("placed", (await steps.GetAsync(anywhere.Id())).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Matching_ranks_members_by_skill_place_availability_and_workload_and_explains_each_score()
    {
        var steps = await StepsAsync();
        var members = steps.County.Members;
        var id = (await steps.PlaceAsync("厨房水管漏水", category: "livelihood")).Id();
        await steps.DispatchAsync(id, "ordinary", "pool", new { skills = new[] { "水电维修" } });
        var candidates = await steps.Client.GetJsonAsync(steps.County.Path($"requests/{id}/candidates?limit=5"));
        var ranked = candidates.EnumerateArray().Select(c => c.GetProperty("memberId").GetGuid()).ToList();
        // The two with the skill living in the grid come first: 陈静 (available every day) and 张伟 (weekends only) ...
        Assert.Equal(new[] { members[0].Id, members[4].Id }.Order(), ranked.Take(2).Order());
        Assert.DoesNotContain(members[5].Id, ranked); // left
        double Availability(Guid member) => candidates.EnumerateArray().First(c => c.GetProperty("memberId").GetGuid() == member)
            .GetProperty("factors")[2].GetProperty("points").GetDouble();
        // ... and whatever the hour, 陈静 is at least as available as 张伟.
        Assert.True(Availability(members[4].Id) >= Availability(members[0].Id));
        var best = candidates[0];
        Assert.Equal(["skill", "proximity", "availability", "workload", "rating"], best.GetProperty("factors").EnumerateArray().Select(f => f.GetProperty("factor").GetString()!).ToArray());
        Assert.Equal(best.GetProperty("score").GetDouble(), best.GetProperty("factors").EnumerateArray().Sum(f => f.GetProperty("points").GetDouble()), 2);
        Assert.Equal(40, best.GetProperty("factors")[0].GetProperty("points").GetDouble());
        Assert.Equal(25, best.GetProperty("factors")[1].GetProperty("points").GetDouble());
        await (await steps.Client.GetAsync(steps.County.Path($"requests/{id}/candidates?limit=0"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "limit");
    }
}
