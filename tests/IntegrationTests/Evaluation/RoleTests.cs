using System.Net;
using Platform.IntegrationTests.Gateway;
using Platform.IntegrationTests.Support;
using Platform.ServiceDefaults.Auth;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>Evaluation's commands are the officers': a resident changes nothing, an officer rates at their own level, a county administrator does all.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RoleTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_resident_changes_nothing_an_officer_rates_at_their_level_and_a_county_admin_does_all()
    {
        var platform = await fixture.PlatformAsync();
        using var admin = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        await GatewayClients.KnownAsync(platform, county.Code);
        var app = await GatewayClients.CreateAsync(platform, county.Code, scopes: ["evaluation:read", "evaluation:write"], roles: ["resident", "grid_worker", "county_admin"]);
        using var client = platform.GatewayAs(app.Key);
        var member = county.Members[0].Id;
        var now = DateTimeOffset.UtcNow;
        var quarter = EvaluationSeed.Quarter(now);
        var lastMonth = EvaluationSeed.Month(EvaluationSeed.Bounds(EvaluationSeed.Month(now)).Item1.AddDays(-1));
        var grid = new { name = "赵敏", level = "grid" };
        var assessment = (await (await admin.PostJsonAsync(county.Path("assessments"), new { period = quarter, subjectKind = "member", subjectId = member, officer = grid })).OkAsync(HttpStatusCode.Created)).Id();
        await (await admin.PostJsonAsync(county.Path($"assessments/{assessment}/initial"), new { grade = "good", reason = "x", officer = grid })).OkAsync();

        var commands = new (HttpMethod Method, string Path, object Body)[]
        {
            (HttpMethod.Post, $"assessments/{assessment}/return", new { reason = "补充材料", officer = new { name = "李明", level = "community" } }),
            (HttpMethod.Post, "records/corrections", new { subjectKind = "member", subjectId = member, points = 2, reason = "补记", recordedBy = "李明" }),
            (HttpMethod.Post, "ratings", new { period = quarter, subjectKind = "member", subjectId = member, level = "street", grade = "good", officerName = "王强" }),
            (HttpMethod.Post, $"periods/{lastMonth}/close", new { closedBy = "王强" }),
            (HttpMethod.Put, "star-scheme", new { weights = new { response_rate = 50, satisfaction_rate = 50 }, thresholds = new[] { 50, 60, 70, 80, 90 } }),
            (HttpMethod.Post, "assessments", new { period = quarter, subjectKind = "member", subjectId = county.Members[1].Id, officer = grid }),
            (HttpMethod.Post, "publications", new { period = lastMonth, title = "双亮公示", startsAt = now, endsAt = now.AddDays(7), createdBy = "县委组织部" }),
        };
        foreach (var role in new[] { "resident", null })
        {
            foreach (var (method, path, body) in commands)
            {
                await (await SendAsync(client, method, county.Path(path), body, role)).ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed, "X-Actor-Role");
            }
        }
        Assert.Equal("awaiting_review", (await admin.GetJsonAsync(county.Path($"assessments/{assessment}"))).GetProperty("status").GetString());
        Assert.Equal(0, (await admin.GetJsonAsync(county.Path($"records?memberId={member}&kind=correction"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await admin.GetJsonAsync(county.Path("ratings"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await admin.GetJsonAsync(county.Path("star-scheme"))).GetProperty("version").GetInt32());
        Assert.Equal(1, (await admin.GetJsonAsync(county.Path("assessments"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await admin.GetJsonAsync(county.Path("publications"))).GetProperty("total").GetInt64());

        // A grid officer rates at grid level, not at the street's; corrections and returns are not theirs.
        await (await SendAsync(client, HttpMethod.Post, county.Path("ratings"), commands[2].Body, "grid_worker"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed, "X-Actor-Role");
        await (await SendAsync(client, HttpMethod.Post, county.Path("ratings"), new { period = quarter, subjectKind = "member", subjectId = member, level = "grid", grade = "good", officerName = "赵敏" }, "grid_worker"))
            .OkAsync(HttpStatusCode.Created);
        await (await SendAsync(client, HttpMethod.Post, county.Path(commands[0].Path), commands[0].Body, "grid_worker"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed, "X-Actor-Role");

        // The county's administrator does every one of them.
        foreach (var (method, path, body) in commands)
        {
            var answer = await SendAsync(client, method, county.Path(path), body, "county_admin");
            Assert.True(answer.IsSuccessStatusCode, $"{method} {path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object body, string? role)
    {
        using var request = new HttpRequestMessage(method, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (role is not null)
        {
            request.Headers.Add("X-Actor-Role", role);
        }
        return await client.SendAsync(request);
    }
}
