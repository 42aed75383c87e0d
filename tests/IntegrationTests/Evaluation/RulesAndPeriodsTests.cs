using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Contracts.Evaluation;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>Points rules by their effective date, caps per month, closing a period (frozen; later lines count in the next open month), corrections.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RulesAndPeriodsTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_rule_change_applies_from_its_effective_date_and_caps_hold_per_month_and_version()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county.Dispatch);
        var member = county.Members[0].Id;
        var month = EvaluationSeed.Month(DateTimeOffset.UtcNow);

        async Task DoneAndSatisfiedAsync()
        {
            var id = await steps.InProgressWithAsync(member);
            await steps.DoAsync(id, "complete", new { memberId = member, result = "已处理" });
            await steps.DoAsync(id, "rate", new { satisfaction = "satisfied" });
        }
        await DoneAndSatisfiedAsync();
        await WaitForLinesAsync(platform, county, "request_completed", 1);
        await WaitForLinesAsync(platform, county, "request_rated", 1);

        // Version 2: an ordinary request earns 5, a satisfied rating 3 but at most 4 a month.
        var settings = (JsonObject)JsonNode.Parse((await client.GetJsonAsync($"/api/registry/counties/{county.Code}/settings")).GetProperty("settings").GetRawText())!;
        foreach (var rule in settings["pointsRules"]!.AsArray())
        {
            if (rule!["code"]!.GetValue<string>() == "request_completed_ordinary")
            {
                rule["points"] = 5;
            }
            if (rule["code"]!.GetValue<string>() == "satisfied_rating")
            {
                rule["points"] = 3;
                rule["capPerPeriod"] = 4;
            }
        }
        await (await client.PutJsonAsync($"/api/registry/counties/{county.Code}/settings", new JsonObject { ["settings"] = settings }, ifMatch: "\"1\"")).OkAsync();
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(platform.Databases["evaluation"].Name,
            $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{county.CountyId}'"), n => n == 2, TimeSpan.FromSeconds(20), "Evaluation to learn of version 2");
        await DoneAndSatisfiedAsync();
        await DoneAndSatisfiedAsync();
        await WaitForLinesAsync(platform, county, "request_completed", 3);
        await WaitForLinesAsync(platform, county, "request_rated", 3);

        var balance = await client.GetJsonAsync(county.Path($"points/members/{member}?period={month}"));
        // Version 1: 2 + 1. Version 2: 5 + 5, and 3 + 3 held to 4.
        Assert.Equal(17m, balance.GetProperty("total").GetDecimal());
        var lines = balance.GetProperty("lines").EnumerateArray().ToList();
        var capped = lines.Single(l => l.GetProperty("ruleCode").GetString() == "satisfied_rating" && l.GetProperty("settingsVersion").GetInt32() == 2);
        Assert.Equal(6m, capped.GetProperty("points").GetDecimal());
        Assert.Equal(4m, capped.GetProperty("counted").GetDecimal());
        Assert.Equal(4m, capped.GetProperty("cap").GetDecimal());
        Assert.Equal(2m, lines.Single(l => l.GetProperty("ruleCode").GetString() == "request_completed_ordinary" && l.GetProperty("settingsVersion").GetInt32() == 1)
            .GetProperty("counted").GetDecimal());
        Assert.True((await client.GetJsonAsync(county.Path($"periods/{month}/verification"))).GetProperty("matches").GetBoolean());
    }

    [Fact]
    public async Task A_closed_month_is_frozen_and_a_late_correction_counts_in_the_next_open_month()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[1].Id;
        var now = DateTimeOffset.UtcNow;
        var month = EvaluationSeed.Month(now);
        var (monthStart, _) = EvaluationSeed.Bounds(month);
        var lastMonth = EvaluationSeed.Month(monthStart.AddDays(-1));
        var inLastMonth = monthStart.AddDays(-3);
        await using var closedEvents = await EventProbe<PeriodClosed>.StartAsync(platform);

        var first = await (await client.PostJsonAsync(county.Path("records/corrections"),
            new { subjectKind = "member", subjectId = member, points = 3, reason = "补记上月志愿服务", occurredAt = inLastMonth, recordedBy = "东门社区 李明" })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(lastMonth, first.GetProperty("month").GetString());
        Assert.Equal("correction", first.GetProperty("ruleCode").GetString());

        await (await client.PostJsonAsync(county.Path($"periods/{month}/close"), new { closedBy = "县委组织部 王强" })).ProblemAsync(HttpStatusCode.Conflict, "period_not_ended", "period");
        await (await client.PostJsonAsync(county.Path($"periods/{lastMonth}/close"), new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "closedBy");
        await (await client.PostJsonAsync(county.Path("periods/2026-W10/close"), new { closedBy = "王强" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "period");
        var closed = await (await client.PostJsonAsync(county.Path($"periods/{lastMonth}/close"), new { closedBy = "县委组织部 王强" })).OkAsync();
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        await (await client.PostJsonAsync(county.Path($"periods/{lastMonth}/close"), new { closedBy = "县委组织部 王强" })).ProblemAsync(HttpStatusCode.Conflict, "period_closed", "period");
        var announced = await closedEvents.WaitForAsync(e => e.CountyId == county.CountyId);
        Assert.Equal(lastMonth, announced.Period);
        Assert.Equal("month", announced.Kind);

        // Later: a correction of last month counts in this month, marked late; last month stays as it was.
        var late = await (await client.PostJsonAsync(county.Path("records/corrections"),
            new { subjectKind = "member", subjectId = member, points = 2, reason = "补记", occurredAt = inLastMonth, correctsId = first.Id(), recordedBy = "东门社区 李明" })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(month, late.GetProperty("month").GetString());
        Assert.True(late.GetProperty("late").GetBoolean());
        var frozen = await client.GetJsonAsync(county.Path($"points/members/{member}?period={lastMonth}"));
        Assert.Equal(3m, frozen.GetProperty("total").GetDecimal());
        Assert.True(frozen.GetProperty("closed").GetBoolean());
        Assert.Equal(2m, (await client.GetJsonAsync(county.Path($"points/members/{member}?period={month}"))).GetProperty("total").GetDecimal());
        var board = await client.GetJsonAsync(county.Path($"points/leaderboard?period={lastMonth}"));
        Assert.True(board.GetProperty("closed").GetBoolean());
        Assert.Equal(3m, board.GetProperty("items")[0].GetProperty("points").GetDecimal());
        var verified = await client.GetJsonAsync(county.Path($"periods/{lastMonth}/verification"));
        Assert.True(verified.GetProperty("matches").GetBoolean(), verified.ToString());
        Assert.True(verified.GetProperty("closed").GetBoolean());
        Assert.Equal("closed", (await client.GetJsonAsync(county.Path($"periods/{lastMonth}"))).GetProperty("status").GetString());
        // A community retired since the close: its frozen row still checks against its own requests.
        await platform.Fixture.QueryScalarAsync<int>(platform.Databases["evaluation"].Name,
            $"WITH retired AS (UPDATE registry_areas SET retired_at = now() WHERE id = '{county.Dispatch.Community2.Id}' RETURNING 1) SELECT count(*)::int FROM retired");
        var afterRetirement = await client.GetJsonAsync(county.Path($"periods/{lastMonth}/verification"));
        Assert.True(afterRetirement.GetProperty("matches").GetBoolean(), afterRetirement.ToString());

        // A closed period takes no more ratings.
        await (await client.PostJsonAsync(county.Path("ratings"),
            new { period = lastMonth, subjectKind = "member", subjectId = member, level = "grid", grade = "good", officerName = "赵敏" })).ProblemAsync(HttpStatusCode.Conflict, "period_closed", "period");

        // Corrections: field rules and references.
        var path = county.Path("records/corrections");
        await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = member, points = 1.234, reason = "x", recordedBy = "李明" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "points");
        await (await client.PostJsonAsync(path, new { subjectKind = "grid", subjectId = member, points = 1, reason = "x", recordedBy = "李明" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "subjectKind");
        await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = member, points = 1, reason = "x", recordedBy = "李明", occurredAt = now.AddDays(2) })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "occurredAt");
        foreach (var early in new[] { "1999-12-01T10:00:00+08:00", "0001-01-01T00:00:00Z", "1999-12-31T15:59:59Z" })
        {
            await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = member, points = 1, reason = "x", recordedBy = "李明", occurredAt = early }))
                .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "occurredAt");
        }
        await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = member, points = 0, reason = "x", recordedBy = "李明" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "points");
        await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = member, points = 0.00, reason = "x", recordedBy = "李明" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "points");
        await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = Guid.NewGuid(), points = 1, reason = "x", recordedBy = "李明" })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");
        await (await client.PostJsonAsync(path, new { subjectKind = "member", subjectId = member, points = 1, reason = "x", recordedBy = "李明", correctsId = Guid.NewGuid() })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "correctsId");
        await (await client.PostJsonAsync(path, new { subjectKind = "unit", subjectId = county.Dispatch.Street.Id, points = 1, reason = "x", recordedBy = "李明" })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");
    }

    [Fact]
    public async Task Closing_a_quarter_closes_and_freezes_its_months_with_it()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[2].Id;
        var (quarterStart, _) = EvaluationSeed.Bounds(EvaluationSeed.Quarter(DateTimeOffset.UtcNow));
        var lastQuarter = EvaluationSeed.Quarter(quarterStart.AddDays(-1));
        var (from, _) = EvaluationSeed.Bounds(lastQuarter);
        var months = Enumerable.Range(0, 3).Select(i => EvaluationSeed.Month(from.AddDays(15).AddMonths(i))).ToList();
        // Its first month was closed on its own before: it keeps the figures it was closed with.
        await (await client.PostJsonAsync(county.Path($"periods/{months[0]}/close"), new { closedBy = "县委组织部 王强" })).OkAsync();
        await (await client.PostJsonAsync(county.Path("records/corrections"),
            new { subjectKind = "member", subjectId = member, points = 3, reason = "补记志愿服务", occurredAt = from.AddDays(40), recordedBy = "东门社区 李明" })).OkAsync(HttpStatusCode.Created);

        await (await client.PostJsonAsync(county.Path($"periods/{lastQuarter}/close"), new { closedBy = "县委组织部 王强" })).OkAsync();

        // Every month of the quarter is closed now, and answers the figures taken at the close, whatever comes later.
        foreach (var month in months)
        {
            var period = await client.GetJsonAsync(county.Path($"periods/{month}"));
            Assert.Equal("closed", period.GetProperty("status").GetString());
            Assert.True((await client.GetJsonAsync(county.Path($"points/leaderboard?period={month}"))).GetProperty("closed").GetBoolean(), month);
            Assert.True((await client.GetJsonAsync(county.Path($"periods/{month}/verification"))).GetProperty("closed").GetBoolean(), month);
        }
        await (await client.PostJsonAsync(county.Path("records/corrections"),
            new { subjectKind = "member", subjectId = member, points = 5, reason = "再补记", occurredAt = from.AddDays(40), recordedBy = "东门社区 李明" })).OkAsync(HttpStatusCode.Created);
        var second = await client.GetJsonAsync(county.Path($"points/members/{member}?period={months[1]}"));
        Assert.Equal((3m, true), (second.GetProperty("total").GetDecimal(), second.GetProperty("closed").GetBoolean()));
        await (await client.PostJsonAsync(county.Path($"periods/{months[2]}/close"), new { closedBy = "王强" })).ProblemAsync(HttpStatusCode.Conflict, "period_closed", "period");
    }

    internal static Task WaitForLinesAsync(RunningPlatform platform, EvaluationCounty county, string kind, int memberLines) =>
        Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(platform.Databases["evaluation"].Name,
            $"SELECT count(*) FROM service_records WHERE county_id = '{county.CountyId}' AND kind = '{kind}' AND subject_kind = 'member'"),
            n => n >= memberLines, TimeSpan.FromSeconds(20), $"{memberLines} {kind} lines");
}
