using System.Net;
using Platform.Contracts.Dispatch;
using Platform.IntegrationTests.Support;
using Platform.RegistryReplica;
using static Platform.IntegrationTests.Dispatch.ActivityTestSupport;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>A community's monthly demand list, claimed by paired units at the joint meeting into the service list, and the items' progress.</summary>
[Collection(PlatformCollection.Name)]
public sealed class MonthlyListsTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Paired_units_claim_demands_once_into_the_service_list_and_report_progress()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        await using var events = await EventProbe<MonthlyListItemChanged>.StartAsync(platform);
        var month = MonthFromNow(1);

        var list = await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month })).OkAsync(HttpStatusCode.Created);
        Assert.Equal("open", list.GetProperty("status").GetString());
        Assert.Equal(month, list.GetProperty("month").GetString());
        await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month })).ProblemAsync(HttpStatusCode.Conflict, "monthly_list_exists", "month");
        await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month = "0001-01" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
        var items = county.Path($"monthly-lists/{list.Id()}/items");

        var requestId = (await new RequestSteps(client, county).PlaceAsync("3号楼、5号楼楼道灯损坏")).Id();
        var lights = await (await client.PostJsonAsync(items, new { title = "老旧小区楼道照明维修", description = "3号楼、5号楼楼道灯损坏", category = "环境整治", source = "request", requestId }))
            .OkAsync(HttpStatusCode.Created);
        Assert.Equal(requestId, lights.GetProperty("requestId").GetGuid());
        Assert.Equal("unclaimed", lights.GetProperty("status").GetString());
        var elderly = await (await client.PostJsonAsync(items, new { title = "独居老人助餐", category = "助老服务", source = "manual" })).OkAsync(HttpStatusCode.Created);
        var policy = await (await client.PostJsonAsync(items, new { title = "医保政策宣讲", category = "政策宣传", source = "manual" })).OkAsync(HttpStatusCode.Created);
        var dropped = await (await client.PostJsonAsync(items, new { title = "重复登记", category = "其他", source = "manual" })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{items}/{dropped.Id()}")).StatusCode);
        await (await client.DeleteAsync($"{items}/{dropped.Id()}")).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_item_not_found");

        // At the joint meeting: unit 1 is paired with community 1, unit 2 is not.
        var claimed = await (await client.PostJsonAsync($"{items}/{lights.Id()}/claim", new { unitId = county.Unit1.Id })).OkAsync();
        Assert.Equal("planned", claimed.GetProperty("status").GetString());
        Assert.Equal("县财政局机关党支部", claimed.GetProperty("unitName").GetString());
        await (await client.PostJsonAsync($"{items}/{lights.Id()}/claim", new { unitId = county.Unit1.Id })).ProblemAsync(HttpStatusCode.Conflict, "item_already_claimed");
        await (await client.PostJsonAsync($"{items}/{elderly.Id()}/claim", new { unitId = county.Unit2.Id })).ProblemAsync((HttpStatusCode)422, "not_paired", "unitId");
        await (await client.PostJsonAsync($"{items}/{elderly.Id()}/claim", new { unitId = Guid.NewGuid() })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "unitId");
        await (await client.PostJsonAsync($"{items}/{elderly.Id()}/claim", new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "unitId");
        await (await client.PostJsonAsync($"{items}/{elderly.Id()}/claim", new { unitId = county.Unit1.Id })).OkAsync();
        await (await client.DeleteAsync($"{items}/{lights.Id()}")).ProblemAsync(HttpStatusCode.Conflict, "item_claimed");

        // Progress: planned → in_progress → done, with notes.
        await (await client.PostJsonAsync($"{items}/{policy.Id()}/progress", new { status = "in_progress" })).ProblemAsync(HttpStatusCode.Conflict, "item_not_claimed");
        await (await client.PostJsonAsync($"{items}/{lights.Id()}/progress", new { status = "planned" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        await (await client.PostJsonAsync($"{items}/{lights.Id()}/progress", new { status = "in_progress", note = "已采购灯具" })).OkAsync();
        var finished = await (await client.PostJsonAsync($"{items}/{lights.Id()}/progress", new { status = "done", note = "更换灯具12盏" })).OkAsync();
        Assert.Equal(new[] { "planned", "in_progress", "done" }, finished.GetProperty("progress").EnumerateArray().Select(p => p.GetProperty("status").GetString()));
        Assert.Equal("更换灯具12盏", finished.GetProperty("progress")[2].GetProperty("note").GetString());
        await (await client.PostJsonAsync($"{items}/{lights.Id()}/progress", new { status = "done" })).ProblemAsync(HttpStatusCode.Conflict, "item_done");

        var view = await client.GetJsonAsync(county.Path($"monthly-lists/{list.Id()}"));
        var counts = view.GetProperty("counts");
        Assert.Equal(3, counts.GetProperty("demands").GetInt32());
        Assert.Equal(1, counts.GetProperty("unclaimed").GetInt32());
        Assert.Equal(2, counts.GetProperty("claimed").GetInt32());
        Assert.Equal(1, counts.GetProperty("planned").GetInt32());
        Assert.Equal(1, counts.GetProperty("done").GetInt32());
        Assert.Equal(3, view.GetProperty("demandList").GetArrayLength());
        var serviceUnit = Assert.Single(view.GetProperty("serviceList").EnumerateArray());
        Assert.Equal(county.Unit1.Id, serviceUnit.GetProperty("unitId").GetGuid());
        Assert.Equal(new[] { lights.Id(), elderly.Id() }, serviceUnit.GetProperty("items").EnumerateArray().Select(i => i.Id()));
        var listed = await client.GetJsonAsync(county.Path($"monthly-lists?communityId={county.Community1.Id}&month={month}"));
        Assert.Equal(1, Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("counts").GetProperty("done").GetInt32());

        // Closed: the demand list no longer changes, progress goes on.
        await (await client.PostJsonAsync(county.Path($"monthly-lists/{list.Id()}/close"))).OkAsync();
        await (await client.PostJsonAsync(items, new { title = "补录", category = "其他", source = "manual" })).ProblemAsync(HttpStatusCode.Conflict, "monthly_list_closed");
        await (await client.PostJsonAsync($"{items}/{policy.Id()}/claim", new { unitId = county.Unit1.Id })).ProblemAsync(HttpStatusCode.Conflict, "monthly_list_closed");
        await (await client.PostJsonAsync($"{items}/{elderly.Id()}/progress", new { status = "in_progress" })).OkAsync();
        Assert.Equal(1, (await client.GetJsonAsync(county.Path("monthly-lists?status=closed"))).GetProperty("total").GetInt64());

        var claimEvent = await events.WaitForAsync(e => e.ItemId == lights.Id() && e.Change == MonthlyListItemChange.Claimed);
        Assert.Equal(county.Unit1.Id, claimEvent.UnitId);
        Assert.Equal(month, claimEvent.Month);
        Assert.Equal(requestId, claimEvent.RequestId);
        Assert.Equal("planned", claimEvent.Status);
        var doneEvent = await events.WaitForAsync(e => e.ItemId == lights.Id() && e.Status == "done");
        Assert.NotNull(doneEvent.DoneAt);
        await events.WaitForAsync(e => e.ItemId == dropped.Id() && e.Change == MonthlyListItemChange.Removed);
    }

    [Fact]
    public async Task Two_units_racing_for_one_demand_never_both_claim_it()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        await AddReplicasAsync(platform, county, new ReplicaPairing
        {
            Id = Guid.CreateVersion7(), Version = 1, UnitId = county.Unit2.Id, CommunityId = county.Community1.Id, StartsOn = new DateOnly(2025, 1, 1),
        });
        var list = await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month = MonthFromNow(2) })).OkAsync(HttpStatusCode.Created);
        var items = county.Path($"monthly-lists/{list.Id()}/items");

        for (var round = 0; round < 3; round++)
        {
            var item = await (await client.PostJsonAsync(items, new { title = $"小区绿化补植{round}", category = "环境整治", source = "manual" })).OkAsync(HttpStatusCode.Created);
            var racing = await Task.WhenAll(
                client.PostJsonAsync($"{items}/{item.Id()}/claim", new { unitId = county.Unit1.Id }),
                client.PostJsonAsync($"{items}/{item.Id()}/claim", new { unitId = county.Unit2.Id }));
            Assert.Single(racing, r => r.StatusCode == HttpStatusCode.OK);
            await racing.Single(r => r.StatusCode != HttpStatusCode.OK).ProblemAsync(HttpStatusCode.Conflict, "item_already_claimed");
        }
        var view = await client.GetJsonAsync(county.Path($"monthly-lists/{list.Id()}"));
        Assert.Equal(3, view.GetProperty("counts").GetProperty("claimed").GetInt32());
    }

    [Fact]
    public async Task A_claim_arriving_while_the_list_is_being_closed_waits_for_it_and_is_refused()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var list = await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month = MonthFromNow(2) })).OkAsync(HttpStatusCode.Created);
        var items = county.Path($"monthly-lists/{list.Id()}/items");
        var item = await (await client.PostJsonAsync(items, new { title = "小区绿化补植", category = "环境整治", source = "manual" })).OkAsync(HttpStatusCode.Created);

        // The joint meeting ends while a unit's claim is on its way: the claim waits for the closing, then finds the list closed.
        var claim = await fixture.WhileRowChangesAsync(platform.Databases["dispatch"].Name, "monthly_lists", list.Id(), "status = 'closed', closed_at = now()",
            () => client.PostJsonAsync($"{items}/{item.Id()}/claim", new { unitId = county.Unit1.Id }));
        await claim.ProblemAsync(HttpStatusCode.Conflict, "monthly_list_closed");
        var view = await client.GetJsonAsync(county.Path($"monthly-lists/{list.Id()}"));
        Assert.Equal(("closed", 0), (view.GetProperty("status").GetString(), view.GetProperty("counts").GetProperty("claimed").GetInt32()));
    }

    [Fact]
    public async Task The_demand_list_is_assembled_from_the_communitys_open_needs_that_nobody_has_taken_on()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var member = county.Members[0].Id;
        var byHand = (await steps.PlaceAsync("5栋门口路灯不亮")).Id();
        var pooled = (await steps.PlaceAsync("小区健身器材损坏\n东侧广场的两台漫步机松动")).Id();
        await steps.DispatchAsync(pooled, "ordinary", "pool");
        var assigned = (await steps.PlaceAsync("楼顶漏水")).Id();
        await steps.DispatchAsync(assigned, "ordinary", "member", new { memberId = member });
        var complex = (await steps.PlaceAsync("老旧小区加装电梯意见不一", category: "dispute_mediation")).Id();
        await steps.DispatchAsync(complex, "complex", "member", new { memberId = member });
        var cancelled = (await steps.PlaceAsync("重复反映的路灯问题")).Id();
        await steps.DoAsync(cancelled, "cancel", new { reason = "重复", duplicateOf = byHand });
        var elsewhere = (await steps.PlaceAsync("西街菜市场噪音", communityId: county.Community2.Id)).Id();

        var list = await (await client.PostJsonAsync(county.Path("monthly-lists"), new { communityId = county.Community1.Id, month = MonthFromNow(1) })).OkAsync(HttpStatusCode.Created);
        var items = county.Path($"monthly-lists/{list.Id()}/items");
        var assemble = county.Path($"monthly-lists/{list.Id()}/assemble");
        await (await client.PostJsonAsync(items, new { title = "5栋路灯维修", category = "环境整治", source = "request", requestId = byHand })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(items, new { title = "独居老人助餐", category = "助老服务", source = "manual" })).OkAsync(HttpStatusCode.Created);

        // Not yet dispatched (already listed by hand), in the pool, and the complex one: not the one a member was given, nor the finished or another community's.
        var assembled = await (await client.PostJsonAsync(assemble)).OkAsync();
        Assert.Equal(2, assembled.GetProperty("added").GetInt32());
        var demands = assembled.GetProperty("list").GetProperty("demandList").EnumerateArray().ToList();
        Assert.Equal(new[] { byHand, pooled, complex }.Order(), demands.Where(d => d.GetProperty("source").GetString() == "request").Select(d => d.GetProperty("requestId").GetGuid()).Order());
        var fromPool = demands.Single(d => d.GetProperty("title").GetString() == "小区健身器材损坏");
        Assert.Equal(pooled, fromPool.GetProperty("requestId").GetGuid());
        Assert.Equal("小区健身器材损坏\n东侧广场的两台漫步机松动", fromPool.GetProperty("description").GetString());
        Assert.Equal("livelihood", fromPool.GetProperty("category").GetString());
        Assert.Equal(4, assembled.GetProperty("list").GetProperty("counts").GetProperty("unclaimed").GetInt32());
        Assert.Equal(0, (await (await client.PostJsonAsync(assemble)).OkAsync()).GetProperty("added").GetInt32());

        // A demand from a request names an open one of the list's community, once.
        await (await client.PostJsonAsync(items, new { title = "路灯", category = "环境整治", source = "request", requestId = byHand }))
            .ProblemAsync(HttpStatusCode.Conflict, "request_already_listed", "requestId");
        await (await client.PostJsonAsync(items, new { title = "噪音", category = "环境整治", source = "request", requestId = elsewhere }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "requestId");
        await (await client.PostJsonAsync(items, new { title = "路灯", category = "环境整治", source = "request", requestId = cancelled }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "requestId");
        await (await client.PostJsonAsync(items, new { title = "路灯", category = "环境整治", source = "request", requestId = Guid.NewGuid() }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "requestId");

        // Another county reaches neither the list nor the requests.
        var other = await DispatchSeed.CountyAsync(platform);
        await (await client.PostJsonAsync(other.Path($"monthly-lists/{list.Id()}/assemble"))).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_not_found");
        var otherList = await (await client.PostJsonAsync(other.Path("monthly-lists"), new { communityId = other.Community1.Id, month = MonthFromNow(1) })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(other.Path($"monthly-lists/{otherList.Id()}/items"), new { title = "路灯", category = "环境整治", source = "request", requestId = pooled }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "requestId");
        Assert.Equal(0, (await (await client.PostJsonAsync(other.Path($"monthly-lists/{otherList.Id()}/assemble"))).OkAsync()).GetProperty("added").GetInt32());

        // A closed list is assembled no more.
        await (await client.PostJsonAsync(county.Path($"monthly-lists/{list.Id()}/close"))).OkAsync();
        await (await client.PostJsonAsync(assemble)).ProblemAsync(HttpStatusCode.Conflict, "monthly_list_closed");
        await (await client.PostJsonAsync(county.Path($"monthly-lists/{Guid.NewGuid()}/assemble"))).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_not_found");
    }

    [Fact]
    public async Task Lists_refuse_bad_input_and_unknown_ids()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var path = county.Path("monthly-lists");

        await (await client.PostJsonAsync(path, new { communityId = county.Community1.Id, month = "2026/12" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
        await (await client.PostJsonAsync(path, new { month = "2026-12" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "communityId");
        await (await client.PostJsonAsync(path, new { communityId = Guid.NewGuid(), month = "2026-12" })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "communityId");
        await (await client.GetAsync(county.Path("monthly-lists?month=12-2026"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
        await (await client.GetAsync(county.Path("monthly-lists?status=archived"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        await (await client.GetAsync(county.Path($"monthly-lists/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_not_found");

        var list = await (await client.PostJsonAsync(path, new { communityId = county.Community2.Id, month = "2026-12" })).OkAsync(HttpStatusCode.Created);
        var items = county.Path($"monthly-lists/{list.Id()}/items");
        await (await client.PostJsonAsync(items, new { title = "助餐", category = "助老服务", source = "request" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "requestId");
        await (await client.PostJsonAsync(items, new { title = "助餐", category = "助老服务", source = "manual", requestId = Guid.NewGuid() })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "requestId");
        await (await client.PostJsonAsync(items, new { title = "助餐", category = "助老服务", source = "phone" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "source");
        await (await client.PostJsonAsync(items, new { title = "助餐", source = "manual" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "category");
        await (await client.PostJsonAsync($"{items}/{Guid.NewGuid()}/claim", new { unitId = county.Unit2.Id })).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_item_not_found");
        await (await client.PostJsonAsync(county.Path($"monthly-lists/{Guid.NewGuid()}/items"), new { title = "助餐", category = "助老服务", source = "manual" }))
            .ProblemAsync(HttpStatusCode.NotFound, "monthly_list_not_found");
        var item = await (await client.PostJsonAsync(items, new { title = "助餐", category = "助老服务", source = "manual" })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync($"{items}/{item.Id()}/claim", new { unitId = county.Community2.Id })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "unitId");
        Assert.Equal("unclaimed", (await client.GetJsonAsync(county.Path($"monthly-lists/{list.Id()}"))).GetProperty("demandList")[0].GetProperty("status").GetString());
    }
}
