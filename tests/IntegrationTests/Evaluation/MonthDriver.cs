using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;
using static Platform.IntegrationTests.Dispatch.ActivityTestSupport;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>
/// A month of the mechanism driven through the gateway against the real services: requests along
/// every path of the closed loop (satisfied, basically satisfied, dissatisfied and reworked, not
/// fixed, answered at once, joint, handed back, cancelled, escalated, left waiting), the month's
/// activities generated, and two activities with check-ins, check-outs and an outcome.
/// </summary>
public static class MonthDriver
{
    public static async Task DriveAsync(HttpClient client, EvaluationCounty county)
    {
        var steps = new RequestSteps(client, county.Dispatch);
        var d = county.Dispatch;
        Guid M(int n) => county.Members[n - 1].Id;

        // R1: to a member, accepted, done, satisfied.
        var r1 = (await steps.PlaceAsync("3栋2单元楼道灯坏了")).Id();
        await steps.DispatchAsync(r1, "ordinary", "member", new { memberId = M(1) });
        await steps.DoAsync(r1, "accept", new { memberId = M(1) });
        await steps.DoAsync(r1, "start", new { memberId = M(1) });
        await steps.DoAsync(r1, "complete", new { memberId = M(1), result = "已更换声控灯2盏" });
        await steps.DoAsync(r1, "rate", new { satisfaction = "satisfied", ratedBy = "resident" });

        // R2: the pool, claimed, basically satisfied.
        var r2 = (await steps.PlaceAsync("5号楼下水道堵塞")).Id();
        await steps.DispatchAsync(r2, "ordinary", "pool");
        await steps.DoAsync(r2, "claim", new { memberId = M(5) });
        await steps.DoAsync(r2, "start", new { memberId = M(5) });
        await steps.DoAsync(r2, "complete", new { memberId = M(5), result = "已疏通" });
        await steps.DoAsync(r2, "rate", new { satisfaction = "basically_satisfied" });

        // R3: dissatisfied, reworked, then satisfied (counts once, by its latest rating).
        var r3 = await steps.InProgressWithAsync(M(2), "小区门口路灯不亮");
        await steps.DoAsync(r3, "complete", new { memberId = M(2), result = "已报修" });
        await steps.DoAsync(r3, "rate", new { satisfaction = "dissatisfied", comment = "还是不亮" });
        await steps.DoAsync(r3, "complete", new { memberId = M(2), result = "已更换灯具" });
        await steps.DoAsync(r3, "rate", new { satisfaction = "satisfied" });

        // R4: a simple question answered at once, satisfied.
        var r4 = (await steps.PlaceAsync("社保卡在哪里办理？")).Id();
        await steps.DispatchAsync(r4, "simple", "answer", new { answer = "请到社区便民服务中心2号窗口办理" });
        await steps.DoAsync(r4, "rate", new { satisfaction = "satisfied" });

        // R5: placed, never dispatched. R6: cancelled.
        await steps.PlaceAsync("楼上漏水");
        var r6 = (await steps.PlaceAsync("重复反映：楼上漏水")).Id();
        await steps.DoAsync(r6, "cancel", new { reason = "重复诉求" });

        // R7: to a unit, its member does it, rated satisfied but not fixed (reopened).
        var r7 = (await steps.PlaceAsync("单元门禁损坏")).Id();
        await steps.DispatchAsync(r7, "ordinary", "unit", new { unitId = d.Unit2.Id });
        await steps.DoAsync(r7, "accept", new { memberId = M(4) });
        await steps.DoAsync(r7, "start", new { memberId = M(4) });
        await steps.DoAsync(r7, "complete", new { memberId = M(4), result = "已更换门禁电源" });
        await steps.DoAsync(r7, "rate", new { satisfaction = "satisfied", resolved = false, comment = "过两天又坏了" });

        // R8: a joint request two members claim, satisfied: both earn.
        var r8 = (await steps.PlaceAsync("独居老人家中大扫除")).Id();
        await steps.DispatchAsync(r8, "ordinary", "pool", new { joint = true, maxClaimants = 2 });
        await steps.DoAsync(r8, "claim", new { memberId = M(1) });
        await steps.DoAsync(r8, "claim", new { memberId = M(5) });
        await steps.DoAsync(r8, "start", new { memberId = M(1) });
        await steps.DoAsync(r8, "complete", new { memberId = M(1), result = "已打扫完毕" });
        await steps.DoAsync(r8, "rate", new { satisfaction = "satisfied" });

        // R9: in community 2, basically satisfied.
        var r9 = (await steps.PlaceAsync("西街菜市场旁垃圾堆放", communityId: d.Community2.Id)).Id();
        await steps.DispatchAsync(r9, "ordinary", "member", new { memberId = M(3) });
        await steps.DoAsync(r9, "accept", new { memberId = M(3) });
        await steps.DoAsync(r9, "complete", new { memberId = M(3), result = "已清运" });
        await steps.DoAsync(r9, "rate", new { satisfaction = "basically_satisfied" });

        // R10: complex, escalated to the street at once, in progress. R11: handed back.
        var r10 = (await steps.PlaceAsync("小区加装电梯意见不一")).Id();
        await steps.DispatchAsync(r10, "complex", "member", new { memberId = M(1) });
        await steps.DoAsync(r10, "accept", new { memberId = M(1) });
        var r11 = await steps.InProgressWithAsync(M(2), "帮忙联系维修燃气灶");
        await steps.DoAsync(r11, "hand-back", new { memberId = M(2), reason = "近期出差" });

        // The month's activities are generated; two activities are held, with attendance and an outcome.
        await (await client.PostJsonAsync(d.Path("activities/generate"), new { month = MonthFromNow(0) })).OkAsync();
        var startsAt = DateTimeOffset.UtcNow.AddHours(-3).AddTicks(-(DateTimeOffset.UtcNow.Ticks % TimeSpan.TicksPerMinute));
        var first = (await CreateActivityAsync(client, d, startsAt, startsAt.AddHours(2), kind: "volunteer_service")).Id();
        await OpenAsync(client, d, first);
        async Task<JsonElement> CheckInAsync(Guid activity, Guid member, int minutes) =>
            await (await client.PostJsonAsync(d.Path($"activities/{activity}/check-in"), new { memberId = member, byStaff = "社区书记 李明", at = startsAt.AddMinutes(minutes) }))
                .OkAsync(HttpStatusCode.Created);
        async Task CheckOutAsync(Guid activity, Guid member, int minutes) =>
            await (await client.PostJsonAsync(d.Path($"activities/{activity}/check-out"), new { memberId = member, byStaff = "社区书记 李明", at = startsAt.AddMinutes(minutes) })).OkAsync();
        var attendance = await CheckInAsync(first, M(1), 5);
        await CheckInAsync(first, M(2), 0);
        await CheckInAsync(first, M(4), 30);
        await CheckOutAsync(first, M(1), 100);
        await CheckOutAsync(first, M(2), 150);
        await (await client.PostJsonAsync(d.Path($"attendances/{attendance.Id()}/outcome"), new { text = "为独居老人上门检修线路3户" })).OkAsync();
        await (await client.PostJsonAsync(d.Path($"activities/{first}/complete"))).OkAsync();
        var second = (await CreateActivityAsync(client, d, startsAt, startsAt.AddHours(1), kind: "co_construction", communityId: d.Community2.Id)).Id();
        await OpenAsync(client, d, second);
        await CheckInAsync(second, M(3), 0);
        await CheckOutAsync(second, M(3), 60);
    }
}
