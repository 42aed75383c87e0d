using System.Net;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>Every endpoint of one county knows nothing of another's records, and refuses bad input naming the field.</summary>
[Collection(PlatformCollection.Name)]
public sealed class IsolationAndValidationTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_countys_ids_are_not_found_under_another_county_and_its_lists_never_show_them()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await EvaluationSeed.CountyAsync(platform);
        var b = await EvaluationSeed.CountyAsync(platform);
        var quarter = EvaluationSeed.Quarter(DateTimeOffset.UtcNow);
        var month = EvaluationSeed.Month(DateTimeOffset.UtcNow);
        var member = a.Members[0].Id;
        var steps = new RequestSteps(client, a.Dispatch);
        var request = await steps.InProgressWithAsync(member);
        await steps.DoAsync(request, "complete", new { memberId = member, result = "已处理" });
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, a, "request_completed", 1);
        var line = (await client.GetJsonAsync(a.Path($"records?memberId={member}"))).GetProperty("items")[0].Id();
        var officer = new { name = "赵敏", level = "grid" };
        var assessment = (await (await client.PostJsonAsync(a.Path("assessments"), new { period = quarter, subjectKind = "member", subjectId = member, officer })).OkAsync(HttpStatusCode.Created)).Id();
        var publication = (await (await client.PostJsonAsync(a.Path("publications"),
            new { period = quarter, title = "公示", startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(3), createdBy = "王强" })).OkAsync(HttpStatusCode.Created)).Id();
        var rating = (await (await client.PostJsonAsync(a.Path("ratings"), new { period = quarter, subjectKind = "member", subjectId = member, level = "grid", grade = "good", officerName = "赵敏" })).OkAsync(HttpStatusCode.Created)).Id();
        await (await client.PutJsonAsync(a.Path("star-scheme"), new { weights = new { response_rate = 50, satisfaction_rate = 50 }, thresholds = new[] { 50, 60, 70, 80, 90 } })).OkAsync();

        // B's paths with A's ids: 404, as if they did not exist.
        await (await client.GetAsync(b.Path($"records/{line}"))).ProblemAsync(HttpStatusCode.NotFound, "service_record_not_found");
        await (await client.GetAsync(b.Path($"points/members/{member}?period={month}"))).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.GetAsync(b.Path($"points/leaderboard?period={month}&scope=grid&scopeId={a.Dispatch.Grid1.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "grid_not_found");
        await (await client.GetAsync(b.Path($"points/leaderboard?period={month}&scope=unit&scopeId={a.Dispatch.Unit1.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "organisation_not_found");
        await (await client.GetAsync(b.Path($"ratings/summary?period={quarter}&subjectKind=member&subjectId={member}"))).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.GetAsync(b.Path($"ratings/{rating}"))).ProblemAsync(HttpStatusCode.NotFound, "rating_not_found");
        await (await client.GetAsync(a.Path($"ratings/{rating}"))).OkAsync();
        await (await client.GetAsync(b.Path($"assessments/{assessment}"))).ProblemAsync(HttpStatusCode.NotFound, "assessment_not_found");
        foreach (var command in new[] { "initial", "review", "final" })
        {
            await (await client.PostJsonAsync(b.Path($"assessments/{assessment}/{command}"), new { grade = "good", reason = "x", officer })).ProblemAsync(HttpStatusCode.NotFound, "assessment_not_found");
        }
        await (await client.PostJsonAsync(b.Path($"assessments/{assessment}/return"), new { reason = "x", officer })).ProblemAsync(HttpStatusCode.NotFound, "assessment_not_found");
        await (await client.PostJsonAsync(b.Path($"assessments/{assessment}/publish"), new { officer = new { name = "王强", level = "street" } })).ProblemAsync(HttpStatusCode.NotFound, "assessment_not_found");
        await (await client.GetAsync(b.Path($"publications/{publication}"))).ProblemAsync(HttpStatusCode.NotFound, "publication_not_found");
        await (await client.GetAsync(b.Path($"publications/{publication}/items"))).ProblemAsync(HttpStatusCode.NotFound, "publication_not_found");
        await (await client.GetAsync(b.Path($"reports/monthly?period={month}&streetId={a.Dispatch.Street.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "street_not_found");
        // Bodies naming A's records: 422.
        await (await client.PostJsonAsync(b.Path("ratings"), new { period = quarter, subjectKind = "member", subjectId = member, level = "grid", grade = "good", officerName = "赵敏" }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");
        await (await client.PostJsonAsync(b.Path("assessments"), new { period = quarter, subjectKind = "unit", subjectId = a.Dispatch.Unit1.Id, officer })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");
        await (await client.PostJsonAsync(b.Path("records/corrections"), new { subjectKind = "member", subjectId = member, points = 1, reason = "x", recordedBy = "李明" }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");

        // B's lists show nothing of A.
        var aIds = new HashSet<Guid>(a.Members.Select(m => m.Id)) { a.Dispatch.Community1.Id, a.Dispatch.Community2.Id, a.Dispatch.Unit1.Id, a.Dispatch.Unit2.Id, a.Dispatch.Street.Id };
        Assert.Equal(0, (await client.GetJsonAsync(b.Path($"records?memberId={member}"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("records"))).GetProperty("total").GetInt64());
        Assert.DoesNotContain((await client.GetJsonAsync(b.Path($"points/leaderboard?period={month}"))).GetProperty("items").EnumerateArray(), r => aIds.Contains(r.GetProperty("memberId").GetGuid()));
        foreach (var scope in new[] { "street", "community", "unit" })
        {
            var rows = (await client.GetJsonAsync(b.Path($"rates?period={month}&groupBy={scope}"))).GetProperty("items").EnumerateArray().ToList();
            Assert.NotEmpty(rows);
            Assert.DoesNotContain(rows, r => aIds.Contains(r.GetProperty("id").GetGuid()));
        }
        Assert.Equal(0, (await client.GetJsonAsync(b.Path($"rates?period={month}"))).GetProperty("items")[0].GetProperty("rates").GetProperty("requests").GetInt32());
        Assert.DoesNotContain((await client.GetJsonAsync(b.Path($"star-ratings?period={month}"))).GetProperty("items").EnumerateArray(), r => aIds.Contains(r.GetProperty("communityId").GetGuid()));
        Assert.DoesNotContain((await client.GetJsonAsync(b.Path($"coverage?period={quarter}"))).GetProperty("units").EnumerateArray(), r => aIds.Contains(r.GetProperty("unitId").GetGuid()));
        Assert.DoesNotContain((await client.GetJsonAsync(b.Path($"coverage/non-compliant?period={quarter}"))).GetProperty("items").EnumerateArray(), r => aIds.Contains(r.GetProperty("memberId").GetGuid()));
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("ratings"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("assessments"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("publications"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("star-scheme"))).GetProperty("version").GetInt32());
        Assert.Empty((await client.GetJsonAsync(b.Path("star-scheme/versions"))).EnumerateArray());
        var report = await client.GetJsonAsync(b.Path($"reports/monthly?period={month}"));
        Assert.DoesNotContain(report.GetProperty("units").EnumerateArray(), u => aIds.Contains(u.GetProperty("id").GetGuid()));
        var verification = await client.GetJsonAsync(b.Path($"periods/{month}/verification"));
        Assert.Equal(0, verification.GetProperty("ledgerLines").GetInt32());
        await (await client.GetAsync("/api/evaluation/counties/999999/rates?period=2026-03")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
    }

    [Fact]
    public async Task Every_endpoint_refuses_bad_input_naming_the_field()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[0].Id;
        var month = EvaluationSeed.Month(DateTimeOffset.UtcNow);
        async Task BadAsync(string path, string field) => await (await client.GetAsync(county.Path(path))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", field);

        foreach (var path in new[] { "rates", "star-ratings", "coverage", "coverage/non-compliant", "points/leaderboard", $"points/members/{member}", "ratings/summary?subjectKind=member&subjectId=" + member })
        {
            await BadAsync(path, "period");
            await BadAsync(path + (path.Contains('?') ? "&" : "?") + "period=2026-13", "period");
        }
        await BadAsync($"rates?period={month}&groupBy=grid", "groupBy");
        await BadAsync("rates?period=2026-Q5", "period");
        await BadAsync("rates?period=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96", "period"); // ２０２６ in full-width digits
        await BadAsync($"star-ratings?period=2026-W10", "period");
        await BadAsync($"coverage?period={month}", "period");
        await BadAsync($"points/leaderboard?period={month}&scope=province", "scope");
        await BadAsync($"points/leaderboard?period={month}&scope=grid", "scopeId");
        await BadAsync($"points/leaderboard?period={month}&pageSize=0", "pageSize");
        await BadAsync("points/leaderboard?period=2026-W10", "period");
        await BadAsync($"records?period=last-month", "period");
        await BadAsync("records?page=0", "page");
        await BadAsync("records?page=20000000&pageSize=200", "page");
        await BadAsync("records?kind=nonsense_kind", "kind");
        await BadAsync("ratings?level=county", "level");
        await BadAsync("ratings?subjectKind=grid", "subjectKind");
        await BadAsync($"ratings/summary?period={month}&subjectKind=member", "subjectId");
        await BadAsync("publications?status=open", "status");
        await BadAsync($"publications/{Guid.NewGuid()}/items?subjectKind=grid", "subjectKind");
        await BadAsync("assessments?period=2026-03", "period");
        await BadAsync("periods/2026-3", "period");
        await BadAsync("periods/2026-W10/verification", "period");
        await (await client.GetAsync(county.Path($"records/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "service_record_not_found");
        await (await client.GetAsync(county.Path($"points/members/{Guid.NewGuid()}?period={month}"))).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.GetAsync(county.Path($"publications/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "publication_not_found");

        // Bodies.
        await (await client.PostJsonAsync(county.Path("ratings"), new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "period");
        await (await client.PostJsonAsync(county.Path("ratings"), new { period = month, subjectKind = "member", subjectId = member, level = "grid", grade = "good" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "officerName");
        await (await client.PostJsonAsync(county.Path("publications"), new { period = month, startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(1), createdBy = "王强" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "title");
        await (await client.PostJsonAsync(county.Path("publications"), new { period = month, title = "公示", startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(100), createdBy = "王强" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "endsAt");
        // At the calendar's end: refused by the rule, not by an overflow.
        await (await client.PostJsonAsync(county.Path("publications"), new { period = month, title = "公示", startsAt = "9999-12-30T00:00:00Z", endsAt = "9999-12-31T00:00:00Z", createdBy = "王强" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "startsAt");
        await (await client.PostJsonAsync(county.Path("assessments"), new { subjectKind = "member", subjectId = member, officer = new { name = "赵敏", level = "grid" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "period");
        await (await client.PostJsonAsync(county.Path("records/corrections"), new { subjectKind = "member", subjectId = member, points = 5000, reason = "x", recordedBy = "李明" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "points");
        await (await client.PostJsonAsync(county.Path($"periods/{month}/close"), new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "closedBy");

        // The star rules: indicators, weights, thresholds, never effective in the past, If-Match.
        var scheme = county.Path("star-scheme");
        await (await client.PutJsonAsync(scheme, new { weights = new { speed = 10 }, thresholds = new[] { 50, 60, 70, 80, 90 } })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "weights.speed");
        await (await client.PutJsonAsync(scheme, new { weights = new { overdue = 0 }, thresholds = new[] { 50, 60, 70, 80, 90 } })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "weights");
        await (await client.PutJsonAsync(scheme, new { weights = new { overdue = 10 }, thresholds = new[] { 50, 40, 70, 80, 90 } })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "thresholds");
        await (await client.PutJsonAsync(scheme, new { weights = new { overdue = 10 }, thresholds = new[] { 50, 60, 70, 80, 90 }, effectiveFrom = DateTimeOffset.UtcNow.AddDays(-1) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "effectiveFrom");
        var saved = await (await client.PutJsonAsync(scheme, new { weights = new { response_rate = 30, resolution_rate = 30, satisfaction_rate = 40 }, thresholds = new[] { 50, 60, 70, 80, 90 } }, ifMatch: "\"0\"")).OkAsync();
        Assert.Equal(1, saved.GetProperty("version").GetInt32());
        Assert.Equal(0m, saved.GetProperty("rules").GetProperty("weights").GetProperty("overdue").GetDecimal());
        await (await client.PutJsonAsync(scheme, new { weights = new { overdue = 10 }, thresholds = new[] { 50, 60, 70, 80, 90 } }, ifMatch: "\"0\"")).ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal(40m, (await client.GetJsonAsync(county.Path($"star-ratings?period={month}"))).GetProperty("rules").GetProperty("weights").GetProperty("satisfaction_rate").GetDecimal());
    }
}
