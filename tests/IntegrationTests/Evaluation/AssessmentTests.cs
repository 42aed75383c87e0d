using System.Net;
using System.Text.Json;
using Platform.Contracts.Evaluation;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>The three-stage assessment's life cycle: 初评 → 复评 → 终评, returns with reasons, publication and its lock; illegal moves answer 409.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AssessmentTests(PlatformFixture fixture)
{
    private static object Officer(string name, string level) => new { name, level };

    [Fact]
    public async Task The_evidence_counts_each_request_once_and_satisfied_as_the_rates_do()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[0].Id;
        var steps = new RequestSteps(client, county.Dispatch);
        // Completed, rated dissatisfied, reworked and completed again, then basically satisfied: one request, satisfied.
        var reworked = await steps.InProgressWithAsync(member, "小区门口路灯不亮");
        await steps.DoAsync(reworked, "complete", new { memberId = member, result = "已报修" });
        await steps.DoAsync(reworked, "rate", new { satisfaction = "dissatisfied", comment = "还是不亮" });
        await steps.DoAsync(reworked, "complete", new { memberId = member, result = "已更换灯具" });
        await steps.DoAsync(reworked, "rate", new { satisfaction = "basically_satisfied" });
        // Completed once, satisfied.
        var once = await steps.InProgressWithAsync(member, "楼道灯坏了");
        await steps.DoAsync(once, "complete", new { memberId = member, result = "已更换" });
        await steps.DoAsync(once, "rate", new { satisfaction = "satisfied" });
        // Each kind of event is taken in on its own: the ratings' lines may land before the completions'.
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_completed", 3);
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_rated", 3);

        var year = EvaluationSeed.Quarter(DateTimeOffset.UtcNow)[..4];
        var evidence = (await (await client.PostJsonAsync(county.Path("assessments"), new { period = year, subjectKind = "member", subjectId = member, officer = Officer("赵敏", "grid") }))
            .OkAsync(HttpStatusCode.Created)).GetProperty("evidence");
        var rates = evidence.GetProperty("rates");
        Assert.Equal(2, evidence.GetProperty("requestsCompleted").GetInt32());
        Assert.Equal(2, evidence.GetProperty("satisfiedRatings").GetInt32());
        Assert.Equal(rates.GetProperty("completed").GetInt32(), evidence.GetProperty("requestsCompleted").GetInt32());
        Assert.Equal(rates.GetProperty("satisfied").GetInt32(), evidence.GetProperty("satisfiedRatings").GetInt32());
    }

    [Fact]
    public async Task An_assessment_moves_stage_by_stage_returns_with_a_reason_and_locks_once_published()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[0];
        var quarter = EvaluationSeed.Quarter(DateTimeOffset.UtcNow);
        var steps = new RequestSteps(client, county.Dispatch);
        var request = await steps.InProgressWithAsync(member.Id);
        await steps.DoAsync(request, "complete", new { memberId = member.Id, result = "已处理" });
        await steps.DoAsync(request, "rate", new { satisfaction = "satisfied" });
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_completed", 1);
        await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_rated", 1);
        await using var published = await EventProbe<AssessmentPublished>.StartAsync(platform);
        var path = county.Path("assessments");

        var created = await (await client.PostJsonAsync(path, new { period = quarter, subjectKind = "member", subjectId = member.Id, officer = Officer("赵敏", "grid") }))
            .OkAsync(HttpStatusCode.Created);
        var id = created.Id();
        Assert.Equal("awaiting_initial", created.GetProperty("status").GetString());
        Assert.Equal("张伟", created.GetProperty("subjectName").GetString());
        var evidence = created.GetProperty("evidence");
        Assert.Equal(3m, evidence.GetProperty("points").GetDecimal());
        Assert.Equal(1, evidence.GetProperty("requestsCompleted").GetInt32());
        Assert.Equal(1, evidence.GetProperty("residentRatings").GetProperty("satisfied").GetInt32());
        Assert.Equal(100m, evidence.GetProperty("rates").GetProperty("satisfactionRate").GetDecimal());
        await (await client.PostJsonAsync(path, new { period = quarter, subjectKind = "member", subjectId = member.Id, officer = Officer("赵敏", "grid") }))
            .ProblemAsync(HttpStatusCode.Conflict, "assessment_exists", "subjectId");

        Task<HttpResponseMessage> Command(string command, object body, string? ifMatch = null) => client.PostJsonAsync($"{path}/{id}/{command}", body, ifMatch);

        // Out of order: the community cannot review before the grid's initial assessment.
        var early = await (await Command("review", new { grade = "good", reason = "好", officer = Officer("李明", "community") })).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        Assert.Equal("awaiting_initial", early.GetProperty("state").GetString());
        await (await Command("return", new { reason = "退回", officer = Officer("李明", "community") })).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        await (await Command("initial", new { grade = "excellent", reason = "表现突出", officer = Officer("李明", "community") })).ProblemAsync((HttpStatusCode)422, "officer_level_mismatch", "officer.level");
        await (await Command("initial", new { grade = "superb", reason = "表现突出", officer = Officer("赵敏", "grid") })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "grade");
        await (await Command("initial", new { grade = "excellent", officer = Officer("赵敏", "grid") })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "reason");
        await (await Command("initial", new { grade = "excellent", reason = "x", officer = Officer("赵敏", "province") })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "officer.level");

        var initial = await (await Command("initial", new { grade = "excellent", reason = "本季度完成诉求，群众满意", officer = Officer("赵敏", "grid") }, ifMatch: "\"1\"")).OkAsync();
        Assert.Equal("awaiting_review", initial.GetProperty("status").GetString());
        await (await Command("review", new { grade = "good", reason = "x", officer = Officer("李明", "community") }, ifMatch: "\"1\"")).ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");

        // The community returns it to the grid with a reason; the grid assesses again.
        var returned = await (await Command("return", new { reason = "佐证材料不全，请补充", officer = Officer("李明", "community") })).OkAsync();
        Assert.Equal("awaiting_initial", returned.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, returned.GetProperty("initialGrade").ValueKind);
        await (await Command("initial", new { grade = "good", reason = "已补充材料", officer = Officer("赵敏", "grid") })).OkAsync();
        await (await Command("review", new { grade = "good", reason = "同意", officer = Officer("李明", "community") })).OkAsync();
        await (await Command("final", new { grade = "good", reason = "x", officer = Officer("李明", "community") })).ProblemAsync((HttpStatusCode)422, "officer_level_mismatch", "officer.level");
        // The street sends it back to the community, then decides; then reopens its own decision before publishing.
        Assert.Equal("awaiting_review", (await (await Command("return", new { reason = "请复核活动参与情况", officer = Officer("王强", "street") })).OkAsync()).GetProperty("status").GetString());
        await (await Command("review", new { grade = "pass", reason = "活动参与偏少", officer = Officer("李明", "community") })).OkAsync();
        await (await Command("final", new { grade = "good", reason = "综合考虑", officer = Officer("王强", "street") })).OkAsync();
        Assert.Equal("awaiting_final", (await (await Command("return", new { reason = "重新研究", officer = Officer("王强", "street") })).OkAsync()).GetProperty("status").GetString());
        var decided = await (await Command("final", new { grade = "excellent", reason = "街道党工委会议研究决定", officer = Officer("王强", "street") })).OkAsync();
        Assert.Equal("decided", decided.GetProperty("status").GetString());
        await (await Command("publish", new { officer = Officer("李明", "community") })).ProblemAsync((HttpStatusCode)422, "officer_level_mismatch", "officer.level");

        var locked = await (await Command("publish", new { officer = Officer("王强", "street") })).OkAsync();
        Assert.Equal("published", locked.GetProperty("status").GetString());
        Assert.Equal(["good", "pass", "excellent"], new[] { "initialGrade", "reviewGrade", "finalGrade" }.Select(g => locked.GetProperty(g).GetString()));
        var announced = await published.WaitForAsync(e => e.AssessmentId == id);
        Assert.Equal("excellent", announced.FinalGrade);
        Assert.Equal(quarter, announced.Period);

        // Locked: every command answers 409 assessment_locked with the state.
        foreach (var (command, body) in new (string, object)[]
        {
            ("final", new { grade = "good", reason = "改", officer = Officer("王强", "street") }),
            ("return", new { reason = "改", officer = Officer("王强", "street") }),
            ("publish", new { officer = Officer("王强", "street") }),
            ("initial", new { grade = "good", reason = "改", officer = Officer("赵敏", "grid") }),
        })
        {
            var problem = await (await Command(command, body)).ProblemAsync(HttpStatusCode.Conflict, "assessment_locked");
            Assert.Equal("published", problem.GetProperty("state").GetString());
        }
        var history = await client.GetJsonAsync($"{path}/{id}");
        Assert.Equal(["create", "initial", "return", "initial", "review", "return", "review", "final", "return", "final", "publish"],
            history.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("action").GetString()!));
        Assert.Equal("佐证材料不全，请补充", history.GetProperty("steps")[2].GetProperty("reason").GetString());
        Assert.Equal(1, (await client.GetJsonAsync($"{path}?period={quarter}&status=published")).GetProperty("total").GetInt64());

        // Field rules.
        await (await client.PostJsonAsync(path, new { period = EvaluationSeed.Month(DateTimeOffset.UtcNow), subjectKind = "member", subjectId = member.Id, officer = Officer("赵敏", "grid") }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "period");
        await (await client.PostJsonAsync(path, new { period = quarter, subjectKind = "member", subjectId = member.Id })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "officer");
        await (await client.PostJsonAsync(path, new { period = quarter, subjectKind = "unit", subjectId = Guid.NewGuid(), officer = Officer("赵敏", "grid") }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "subjectId");
        var unit = await (await client.PostJsonAsync(path, new { period = quarter, subjectKind = "unit", subjectId = county.Dispatch.Unit1.Id, officer = Officer("赵敏", "grid") })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(3m, unit.GetProperty("evidence").GetProperty("points").GetDecimal());
        await (await client.GetAsync($"{path}?status=done")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        await (await client.GetAsync($"{path}/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound, "assessment_not_found");
        await (await client.PostJsonAsync($"{path}/{Guid.NewGuid()}/initial", new { grade = "good", reason = "x", officer = Officer("赵敏", "grid") })).ProblemAsync(HttpStatusCode.NotFound, "assessment_not_found");
    }
    [Fact]
    public async Task A_closed_quarters_evidence_stays_as_it_was_at_the_close()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        var member = county.Members[3].Id;
        var steps = new RequestSteps(client, county.Dispatch);
        var (quarterStart, _) = EvaluationSeed.Bounds(EvaluationSeed.Quarter(DateTimeOffset.UtcNow));
        var lastQuarter = EvaluationSeed.Quarter(quarterStart.AddDays(-1));
        var (from, to) = EvaluationSeed.Bounds(lastQuarter);
        // Dispatch's clock in the middle of last quarter, as a fake TimeProvider would have it.
        var then = new Dictionary<string, string> { ["Clock__Offset"] = (from + (to - from) / 2 - DateTimeOffset.UtcNow).ToString() };

        Guid id;
        try
        {
            await platform.RestartAsync("dispatch", then);
            id = await steps.InProgressWithAsync(member, "小区路灯不亮");
            await steps.DoAsync(id, "complete", new { memberId = member, result = "已更换灯泡" });
            await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_completed", 1);

            await (await client.PostJsonAsync(county.Path($"periods/{lastQuarter}/close"), new { closedBy = "县委组织部 王强" })).OkAsync();
            var created = await (await client.PostJsonAsync(county.Path("assessments"),
                new { period = lastQuarter, subjectKind = "member", subjectId = member, officer = Officer("赵敏", "grid") })).OkAsync(HttpStatusCode.Created);
            var atClose = created.GetProperty("evidence");
            Assert.Equal((1, 0, 0), (atClose.GetProperty("requestsCompleted").GetInt32(), atClose.GetProperty("satisfiedRatings").GetInt32(),
                atClose.GetProperty("rates").GetProperty("rated").GetInt32()));
            Assert.Empty(atClose.GetProperty("residentRatings").EnumerateObject());
            var unit = county.Members[3].UnitId!.Value;
            var unitCreated = await (await client.PostJsonAsync(county.Path("assessments"),
                new { period = lastQuarter, subjectKind = "unit", subjectId = unit, officer = Officer("赵敏", "grid") })).OkAsync(HttpStatusCode.Created);
            var unitPointsAtClose = unitCreated.GetProperty("evidence").GetProperty("points").GetDecimal();
            Assert.True(unitPointsAtClose >= atClose.GetProperty("points").GetDecimal() && atClose.GetProperty("points").GetDecimal() > 0,
                $"the unit's points at the close ({unitPointsAtClose}) hold its member's ({atClose.GetProperty("points")})");

            // The member then moves to another unit (Registry's event, as Evaluation's copy has it).
            Assert.Equal(2, await fixture.QueryScalarAsync<int>(platform.Databases["evaluation"].Name,
                $"UPDATE registry_members SET unit_id = '{county.Dispatch.Unit1.Id}', version = version + 1 WHERE id = '{member}' RETURNING version"));

            // The return visit's rating reaches Evaluation after the close, dated in the closed quarter: it counts in an
            // open month, and the closed quarter's evidence at the next stage is still what it was at the close.
            await steps.DoAsync(id, "rate", new { satisfaction = "satisfied", comment = "很好", ratedBy = "staff" });
            await RulesAndPeriodsTests.WaitForLinesAsync(platform, county, "request_rated", 1);
            var initial = await (await client.PostJsonAsync(county.Path($"assessments/{created.Id()}/initial"),
                new { grade = "good", reason = "按时办结", officer = Officer("赵敏", "grid") })).OkAsync();
            var later = initial.GetProperty("evidence");
            Assert.Equal((1, 0, 0), (later.GetProperty("requestsCompleted").GetInt32(), later.GetProperty("satisfiedRatings").GetInt32(),
                later.GetProperty("rates").GetProperty("rated").GetInt32()));
            Assert.Empty(later.GetProperty("residentRatings").EnumerateObject());
            var unitInitial = await (await client.PostJsonAsync(county.Path($"assessments/{unitCreated.Id()}/initial"),
                new { grade = "good", reason = "按时办结", officer = Officer("赵敏", "grid") })).OkAsync();
            Assert.Equal(unitPointsAtClose, unitInitial.GetProperty("evidence").GetProperty("points").GetDecimal());
        }
        finally
        {
            await platform.RestartAsync("dispatch");
        }
    }
}
