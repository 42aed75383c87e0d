using System.Net;
using System.Text;
using Platform.IntegrationTests.Gateway;
using Platform.IntegrationTests.Support;
using Platform.Registry.Imports;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>The requests ledger (诉求台账) as CSV: what a county's staff open in a spreadsheet.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RequestsExportTests(PlatformFixture fixture)
{
    [Fact]
    public async Task The_ledger_names_places_holders_and_outcomes_in_the_county_time_with_phones_masked()
    {
        var platform = await fixture.PlatformAsync();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(platform.Gateway(), county);
        var member = county.Members[0];
        var assigned = await steps.PlaceAsync("3栋楼道灯坏了");
        await steps.DispatchAsync(assigned.Id(), "ordinary", "member", new { memberId = member.Id });
        // A formula, a comma, quotes and a line break: one field all the same, and not run by a spreadsheet.
        var awkward = (await steps.PlaceAsync("=1+1, \"急\"\n第二行")).Id();

        using var response = await steps.Client.GetAsync(county.Path("requests/export"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"requests-{county.Code}-", response.Content.Headers.ContentDisposition?.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        // Read back with the platform's own CSV reader, the one Registry's imports use.
        var ledger = CsvTable.Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));

        Assert.Equal("编号", ledger.Header[0]);
        Assert.Equal(2, ledger.Rows.Count);
        string Cell(string id, string heading) => ledger.Rows.Single(r => r["编号"] == id)[heading] ?? ""; // the reader gives an empty cell as null
        var first = assigned.Id().ToString();
        var placedAt = assigned.GetProperty("placedAt").GetDateTimeOffset();
        Assert.Equal(placedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm"), Cell(first, "受理时间"));
        Assert.Equal("民生服务", Cell(first, "类别"));
        Assert.Equal("3栋楼道灯坏了", Cell(first, "诉求内容"));
        Assert.Equal("热线", Cell(first, "渠道"));
        Assert.Equal(("东门社区", "东门社区第一网格"), (Cell(first, "社区"), Cell(first, "网格")));
        Assert.Equal("138****5678", Cell(first, "联系电话"));
        Assert.Equal(("已派单", "一般", "派给党员"), (Cell(first, "状态"), Cell(first, "分级"), Cell(first, "派单方式")));
        Assert.Equal(member.Name, Cell(first, "承办党员"));
        Assert.Equal("县财政局机关党支部", Cell(first, "承办单位"));
        Assert.Equal(("否", "0"), (Cell(first, "是否超时"), Cell(first, "重办次数")));
        Assert.Equal("'=1+1, \"急\"\n第二行", Cell(awkward.ToString(), "诉求内容"));
        Assert.Equal(("已受理", ""), (Cell(awkward.ToString(), "状态"), Cell(awkward.ToString(), "承办党员")));

        // The list's filters narrow it the same way.
        var narrowed = CsvTable.Parse(await steps.Client.GetStringAsync(county.Path("requests/export?status=assigned")));
        Assert.Equal([first], narrowed.Rows.Select(r => r["编号"]));
    }

    [Fact]
    public async Task A_joint_request_names_every_holders_unit_and_a_reopened_one_shows_no_result_of_the_round_that_failed()
    {
        var platform = await fixture.PlatformAsync();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(platform.Gateway(), county);
        // Two members of two units (the second lives in the community) share a joint request.
        var joint = (await steps.PlaceAsync("小区健身器材损坏，需要拆除更换")).Id();
        await steps.DispatchAsync(joint, "ordinary", "pool", new { joint = true, maxClaimants = 2 });
        await steps.DoAsync(joint, "claim", new { memberId = county.Members[0].Id });
        await steps.DoAsync(joint, "claim", new { memberId = county.Members[3].Id });
        // Completed, rated dissatisfied: back to work, with no result or rating of its own yet.
        var member = county.Members[0].Id;
        var reopened = await steps.InProgressWithAsync(member, "楼道灯又不亮了");
        await steps.DoAsync(reopened, "complete", new { memberId = member, result = "已更换灯泡" });
        await steps.DoAsync(reopened, "rate", new { satisfaction = "dissatisfied" });

        var ledger = CsvTable.Parse(await steps.Client.GetStringAsync(county.Path("requests/export")));
        string Cell(Guid id, string heading) => ledger.Rows.Single(r => r["编号"] == id.ToString())[heading] ?? "";
        Assert.Equal(["县供电公司党委", "县财政局机关党支部"], Cell(joint, "承办单位").Split('、').Order());
        Assert.Equal(new[] { county.Members[0].Name, county.Members[3].Name }.Order(), Cell(joint, "承办党员").Split('、').Order());
        Assert.Equal("1", Cell(reopened, "重办次数"));
        Assert.Equal(("", "", "", ""), (Cell(reopened, "办理结果"), Cell(reopened, "满意度"), Cell(reopened, "是否解决"), Cell(reopened, "办结时间")));
    }

    [Fact]
    public async Task Another_county_neither_reaches_the_ledger_nor_finds_its_requests_in_its_own_and_bad_filters_answer_400()
    {
        var platform = await fixture.PlatformAsync();
        var a = await DispatchSeed.CountyAsync(platform);
        var b = await DispatchSeed.CountyAsync(platform);
        var placed = (await new RequestSteps(platform.Gateway(), a).PlaceAsync()).Id();
        var keyOfB = (await GatewayClients.CreateAsync(platform, b.Code, scopes: ["requests:read"])).Key;
        using var asB = platform.GatewayAs(keyOfB);

        await (await asB.GetAsync(a.Path("requests/export"))).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        Assert.DoesNotContain(placed.ToString(), await asB.GetStringAsync(b.Path("requests/export")));

        await (await asB.GetAsync(b.Path("requests/export?status=lost"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        await (await asB.GetAsync(b.Path("requests/export?placedFrom=yesterday"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "placedFrom");
    }
}
