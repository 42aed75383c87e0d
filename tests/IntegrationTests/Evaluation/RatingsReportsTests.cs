using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>四评 (residents' and officers' ratings), 双亮 publications and the periodic reports in JSON, CSV and XLSX.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RatingsReportsTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_reopening_with_a_long_reason_is_recorded_with_its_reason_cut_to_the_ledgers_length()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county.Dispatch);
        var member = county.Members[0].Id;
        var id = await steps.InProgressWithAsync(member);
        await steps.DoAsync(id, "complete", new { memberId = member, result = "已修好" });

        // Dispatch takes a reason of up to 500 characters; the ledger keeps 200 of it, and the line is written.
        var reason = string.Concat(Enumerable.Repeat("回访发现问题仍未解决，", 30));
        await steps.DoAsync(id, "reopen", new { reason });
        var lines = await Poll.UntilAsync(async () => (await client.GetJsonAsync(county.Path($"records?memberId={member}&kind=request_reopened"))).GetProperty("items"),
            items => items.GetArrayLength() == 1, TimeSpan.FromSeconds(30), "the reopening to be recorded");
        Assert.Equal(reason[..199] + "…", lines[0].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Officers_rate_on_the_countys_scale_a_publication_shows_everyone_and_reports_download_with_chinese_headers()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[0].Id;
        var now = DateTimeOffset.UtcNow;
        var month = EvaluationSeed.Month(now);
        var quarter = EvaluationSeed.Quarter(now);
        var steps = new RequestSteps(client, county.Dispatch);
        var request = await steps.InProgressWithAsync(member);
        await steps.DoAsync(request, "complete", new { memberId = member, result = "已处理" });
        await steps.DoAsync(request, "rate", new { satisfaction = "satisfied" });
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_completed", 1);
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_rated", 1);

        // 四评: the grid, community and street rate; a second grid rating supersedes the first.
        var ratings = county.Path("ratings");
        object Rating(string level, string grade) => new { period = quarter, subjectKind = "member", subjectId = member, level, grade, comment = "主动认领微心愿", officerName = "赵敏" };
        await (await client.PostJsonAsync(ratings, Rating("grid", "superb"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "grade");
        await (await client.PostJsonAsync(ratings, Rating("province", "good"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "level");
        await (await client.PostJsonAsync(ratings, new { period = quarter, subjectKind = "member", subjectId = Guid.NewGuid(), level = "grid", grade = "good", officerName = "赵敏" }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");
        var first = await (await client.PostJsonAsync(ratings, Rating("grid", "good"))).OkAsync(HttpStatusCode.Created);
        var answer = await client.PostJsonAsync(ratings, Rating("grid", "excellent"));
        var second = await answer.OkAsync(HttpStatusCode.Created);
        Assert.Equal(second.Id(), (await client.GetJsonAsync(answer.Headers.Location!.ToString())).Id());
        var superseded = await client.GetJsonAsync($"{ratings}/{first.Id()}");
        Assert.Equal("good", superseded.GetProperty("grade").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, superseded.GetProperty("supersededAt").ValueKind);
        Assert.Equal(first.Id(), second.GetProperty("supersedesId").GetGuid());
        await (await client.PostJsonAsync(ratings, Rating("community", "good"))).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(ratings, Rating("street", "good"))).OkAsync(HttpStatusCode.Created);
        Assert.Equal(3, (await client.GetJsonAsync($"{ratings}?period={quarter}&subjectId={member}")).GetProperty("total").GetInt64());
        Assert.Equal(4, (await client.GetJsonAsync($"{ratings}?period={quarter}&subjectId={member}&includeSuperseded=true")).GetProperty("total").GetInt64());
        var four = await client.GetJsonAsync(county.Path($"ratings/summary?period={quarter}&subjectKind=member&subjectId={member}"));
        Assert.Equal(1, four.GetProperty("residents").GetProperty("satisfied").GetInt32());
        Assert.Equal("excellent", four.GetProperty("grid").GetProperty("grade").GetString());
        Assert.Equal("good", four.GetProperty("street").GetProperty("grade").GetString());

        // A unit retired before the period, with nothing in it, is in no table: not ranked last, nor published.
        var retired = Guid.NewGuid();
        Assert.Equal(1, await fixture.QueryScalarAsync<int>(platform.Databases["evaluation"].Name, $"""
            INSERT INTO registry_organisations (id, county_id, version, code, name, kind, retired_at)
            VALUES ('{retired}', '{county.CountyId}', 2, 'U-RETIRED', '已撤并单位', 'government_unit', now() - interval '200 days') RETURNING 1
            """));
        var unitRates = (await client.GetJsonAsync(county.Path($"rates?period={quarter}&groupBy=unit"))).GetProperty("items");
        Assert.Equal(2, unitRates.GetArrayLength());
        Assert.DoesNotContain(unitRates.EnumerateArray(), r => r.GetProperty("id").GetGuid() == retired);
        var quarterly = await client.GetJsonAsync(county.Path($"reports/quarterly?period={quarter}"));
        Assert.DoesNotContain(quarterly.GetProperty("units").EnumerateArray(), u => u.GetProperty("id").GetGuid() == retired);
        Assert.DoesNotContain(quarterly.GetProperty("coverage").GetProperty("units").EnumerateArray(), u => u.GetProperty("unitId").GetGuid() == retired);

        // 双亮: every member and unit, with points, services and the officers' ratings, for a window.
        var publications = county.Path("publications");
        await (await client.PostJsonAsync(publications, new { period = quarter, title = "公示", startsAt = now, endsAt = now.AddDays(-1), createdBy = "王强" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "endsAt");
        var publication = await (await client.PostJsonAsync(publications,
            new { period = quarter, title = "第一季度在职党员“双亮”公示", startsAt = now.AddMinutes(-1), endsAt = now.AddDays(7), createdBy = "县委组织部 王强" })).OkAsync(HttpStatusCode.Created);
        Assert.Equal("showing", publication.GetProperty("status").GetString());
        Assert.Equal(5, publication.GetProperty("members").GetInt32());
        Assert.Equal(2, publication.GetProperty("units").GetInt32());
        var items = await client.GetJsonAsync($"{publications}/{publication.Id()}/items?subjectKind=member");
        var mine = items.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("subjectId").GetGuid() == member);
        Assert.Equal(3m, mine.GetProperty("points").GetDecimal());
        Assert.Equal(1, mine.GetProperty("requestsCompleted").GetInt32());
        Assert.Equal(1, mine.GetProperty("satisfiedRatings").GetInt32());
        Assert.Equal("grid: excellent; community: good; street: good", mine.GetProperty("officerRatings").GetString());
        Assert.Equal(1, (await client.GetJsonAsync($"{publications}?status=showing")).GetProperty("total").GetInt64());

        // Reports: JSON with the red and black lists; CSV with a BOM and Chinese headers; XLSX with one sheet per table.
        var monthly = await client.GetJsonAsync(county.Path($"reports/monthly?period={month}"));
        Assert.Equal(1, monthly.GetProperty("rates").GetProperty("requests").GetInt32());
        Assert.Equal(county.Dispatch.Unit1.Id, monthly.GetProperty("redList")[0].GetProperty("id").GetGuid());
        Assert.Equal(county.Dispatch.Unit2.Id, monthly.GetProperty("blackList")[0].GetProperty("id").GetGuid());
        Assert.Equal("张伟", monthly.GetProperty("topMembers")[0].GetProperty("name").GetString());
        var street = await client.GetJsonAsync(county.Path($"reports/quarterly?period={quarter}&streetId={county.Dispatch.Street.Id}"));
        Assert.Equal("城关街道", street.GetProperty("streetName").GetString());
        Assert.Equal(5, street.GetProperty("coverage").GetProperty("reported").GetInt32());
        var weekly = await client.GetJsonAsync(county.Path($"reports/weekly?period={EvaluationSeed.Week(now)}"));
        Assert.Equal(0, weekly.GetProperty("topMembers").GetArrayLength());
        // A week ranks the same units with the same members by the points earned in it: 张伟's 3 among unit 1's three members.
        static Dictionary<Guid, (int, decimal)> Units(JsonElement report) => report.GetProperty("units").EnumerateArray()
            .ToDictionary(u => u.Id(), u => (u.GetProperty("members").GetInt32(), u.GetProperty("averagePoints").GetDecimal()));
        Assert.Equal(Units(monthly), Units(weekly));
        Assert.Equal((3, 1m), Units(weekly)[county.Dispatch.Unit1.Id]);
        Assert.Equal((2, 0m), Units(weekly)[county.Dispatch.Unit2.Id]);
        Assert.Equal(county.Dispatch.Unit1.Id, weekly.GetProperty("redList")[0].Id());
        Assert.Equal(county.Dispatch.Unit2.Id, weekly.GetProperty("blackList")[0].Id());
        Assert.Equal(3m, weekly.GetProperty("totals").GetProperty("points").GetDecimal());

        using var csv = await client.GetAsync(county.Path($"reports/quarterly?period={quarter}&format=csv"));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes[3..]);
        Assert.Contains("社区编码,社区名称,诉求数,响应率(%),解决率(%),满意率(%),按时办结率(%),超期数,星级,星级得分", text);
        // The period's bounds in the county's own time: a quarter begins on its first day at midnight there.
        var firstMonth = (int.Parse(quarter[^1..], System.Globalization.CultureInfo.InvariantCulture) - 1) * 3 + 1;
        Assert.Contains($"起,{quarter[..4]}-{firstMonth:D2}-01 00:00 +08:00", text);
        Assert.Contains("红榜", text);
        Assert.Contains("黑榜", text);
        Assert.Contains("未履职党员", text);

        using var xlsx = await client.GetAsync(county.Path($"reports/quarterly?period={quarter}&format=xlsx"));
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.Content.Headers.ContentType?.MediaType);
        using var archive = new ZipArchive(new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync()));
        using var workbook = new StreamReader(archive.GetEntry("xl/workbook.xml")!.Open());
        var sheets = await workbook.ReadToEndAsync();
        foreach (var sheet in new[] { "概况", "社区", "单位", "红榜", "黑榜", "积分排行", "单位覆盖", "未履职党员" })
        {
            Assert.Contains($"name=\"{sheet}\"", sheets);
        }

        await (await client.GetAsync(county.Path($"reports/monthly?period={quarter}"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "period");
        await (await client.GetAsync(county.Path($"reports/monthly?period={month}&format=pdf"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "format");
        await (await client.GetAsync(county.Path($"reports/daily?period={month}"))).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await client.GetAsync(county.Path($"reports/monthly?period={month}&streetId={county.Dispatch.Community1.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "street_not_found");
    }
}
