using System.Net;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>
/// Every command of Dispatch with an Idempotency-Key of its own: the handler runs in the transaction
/// the key opens, and must neither open one of its own nor leave that one unusable.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class IdempotentCommandsTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Every_command_of_the_closed_loop()
    {
        var platform = await fixture.PlatformAsync();
        using var keyed = platform.Gateway(new FreshIdempotencyKeys());
        var steps = new RequestSteps(keyed, await DispatchSeed.CountyAsync(platform));
        var county = steps.County;
        var member = county.Members[0].Id;

        var id = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(id, "ordinary", "pool");
        await steps.DoAsync(id, "claim", new { memberId = member });
        await steps.DoAsync(id, "start", new { memberId = member });
        await steps.DoAsync(id, "progress", new { memberId = member, note = "已联系物业" });
        var due = (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset();
        var asked = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(2), reason = "配件缺货" }))
            .OkAsync(HttpStatusCode.Created);
        await steps.DoAsync(id, $"extensions/{asked.Id()}/approve", new { note = "同意" });
        var again = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(4), reason = "再延" }))
            .OkAsync(HttpStatusCode.Created);
        await steps.DoAsync(id, $"extensions/{again.Id()}/reject", new { note = "不同意" });
        await steps.DoAsync(id, "complete", new { memberId = member, result = "已修好" });
        Assert.Equal("in_progress", (await steps.DoAsync(id, "rate", new { satisfaction = "dissatisfied", ratedBy = "staff" })).GetProperty("status").GetString());
        await steps.DoAsync(id, "hand-back", new { memberId = member, reason = "临时出差" });
        await steps.DoAsync(id, "claim", new { memberId = county.Members[4].Id });
        await steps.DoAsync(id, "start", new { memberId = county.Members[4].Id });
        await steps.DoAsync(id, "complete", new { memberId = county.Members[4].Id, result = "更换了线路" });
        Assert.Equal("closed", (await steps.DoAsync(id, "rate", new { satisfaction = "satisfied" })).GetProperty("status").GetString());
        Assert.Equal(2, (await steps.DoAsync(id, "reopen", new { reason = "回访发现仍不亮" })).GetProperty("reopenCount").GetInt32());

        var complex = (await steps.PlaceAsync("小区加装电梯意见不一", category: "dispute_mediation")).Id();
        await steps.DispatchAsync(complex, "complex", "unit", new { unitId = county.Unit1.Id });
        Assert.Equal("county", (await steps.DoAsync(complex, "escalate", new { reason = "需县住建局研判" })).GetProperty("escalationLevel").GetString());

        var declined = (await steps.PlaceAsync("楼道堆放杂物", category: "safety")).Id();
        await steps.DispatchAsync(declined, "ordinary", "member", new { memberId = member });
        await steps.DoAsync(declined, "decline", new { memberId = member, reason = "不在本网格" });
        Assert.Equal("cancelled", (await steps.DoAsync(declined, "cancel", new { reason = "居民撤回" })).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Every_command_of_activities_attendance_monthly_lists_whistles_and_escalations()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway(new FreshIdempotencyKeys());
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var member = county.Members[0].Id;

        // An activity that began half an hour ago and runs two hours: its code checks members in now.
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-30).AddTicks(-(DateTimeOffset.UtcNow.Ticks % TimeSpan.TicksPerMinute));
        var activity = await ActivityTestSupport.CreateActivityAsync(client, county, startsAt, startsAt.AddHours(2), kind: "volunteer_service");
        var id = activity.Id();
        var code = (await (await client.PostJsonAsync(county.Path($"activities/{id}/check-in-code"))).OkAsync()).GetProperty("checkInCode").GetString()!;
        var signUp = await (await client.PostJsonAsync(county.Path($"activities/{id}/sign-ups"), new { memberId = county.Members[1].Id })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"activities/{id}/sign-ups/{signUp.Id()}/cancel"))).OkAsync();
        await (await client.PostJsonAsync(county.Path($"activities/{id}/sign-ups"), new { memberId = member })).OkAsync(HttpStatusCode.Created);
        await ActivityTestSupport.OpenAsync(client, county, id);
        var attendance = await (await client.PostJsonAsync(county.Path($"activities/{id}/check-in"), new { memberId = member, code })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"activities/{id}/check-out"), new { memberId = member, byStaff = "社区书记 李明" })).OkAsync();
        await (await client.PostJsonAsync(county.Path($"attendances/{attendance.Id()}/outcome"), new { text = "为独居老人上门检修线路" })).OkAsync();
        Assert.Equal("completed", (await (await client.PostJsonAsync(county.Path($"activities/{id}/complete"))).OkAsync()).GetProperty("status").GetString());
        var other = await ActivityTestSupport.CreateActivityAsync(client, county, startsAt.AddDays(7), startsAt.AddDays(7).AddHours(2));
        await (await client.PostJsonAsync(county.Path($"activities/{other.Id()}/cancel"), new { reason = "天气原因" })).OkAsync();

        Assert.NotEqual(0, (await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2025-11" })).OkAsync()).GetProperty("created").GetInt32());

        var list = await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month = ActivityTestSupport.MonthFromNow(2) }))
            .OkAsync(HttpStatusCode.Created);
        var items = county.Path($"monthly-lists/{list.Id()}/items");
        var item = await (await client.PostJsonAsync(items, new { title = "独居老人助餐", category = "助老服务", source = "manual" })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync($"{items}/{item.Id()}/claim", new { unitId = county.Unit1.Id })).OkAsync();
        await (await client.PostJsonAsync($"{items}/{item.Id()}/progress", new { status = "done", note = "每周三次送餐" })).OkAsync();
        await (await client.PostJsonAsync(county.Path($"monthly-lists/{list.Id()}/close"))).OkAsync();

        var whistles = county.Path("whistles");
        var whistle = await (await client.PostJsonAsync(whistles, new { level = "street", areaId = county.Street.Id, unitId = county.Unit2.Id, matter = "片区停电，需到场抢修" }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync($"{whistles}/{whistle.Id()}/acknowledge", new { by = "供电公司张经理" })).OkAsync();
        Assert.Equal("reported", (await (await client.PostJsonAsync($"{whistles}/{whistle.Id()}/report", new { report = "已恢复供电" })).OkAsync())
            .GetProperty("status").GetString());

        var complex = (await steps.PlaceAsync("小区加装电梯意见不一", category: "dispute_mediation")).Id();
        await steps.DispatchAsync(complex, "complex", "unit", new { unitId = county.Unit1.Id });
        var step = Assert.Single((await client.GetJsonAsync(county.Path($"escalations?requestId={complex}&status=open"))).GetProperty("items").EnumerateArray());
        await (await client.PostJsonAsync(county.Path($"escalations/{step.Id()}/acknowledge"), new { by = "街道王主任", response = "召开协调会" })).OkAsync();

        var wish = (await steps.PlaceAsync("留守儿童想要一个新书包", category: "education", microWish: true)).Id();
        await steps.DispatchAsync(wish, "simple", "pool");
        Assert.Equal("claimed", (await (await client.PostJsonAsync(county.Path($"micro-wishes/{wish}/adopt"), new { memberId = member })).OkAsync())
            .GetProperty("status").GetString());
    }
}
