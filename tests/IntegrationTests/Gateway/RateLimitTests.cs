using System.Net;
using Platform.IntegrationTests.Support;
using Platform.ServiceDefaults.Auth;

namespace Platform.IntegrationTests.Gateway;

/// <summary>Token buckets per client and per county, on dedicated clients with small buckets.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RateLimitTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_burst_beyond_the_clients_bucket_answers_429_with_Retry_After_and_recovers()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        var limited = await GatewayClients.CreateAsync(platform, county, rateLimit: new { permitsPerSecond = 1, burst = 3 });
        using var client = platform.GatewayAs(limited.Key);
        var path = $"/api/registry/counties/{county}/areas";

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await client.GetAsync(path));
        }

        var ok = answers.Where(a => a.StatusCode == HttpStatusCode.OK).ToList();
        var limitedAnswers = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(ok.Count, 3, 4);
        Assert.Equal(8, ok.Count + limitedAnswers.Count);
        Assert.Equal("\"client\";q=3;w=3", ok[0].Headers.GetValues("RateLimit-Policy").Single());
        Assert.StartsWith("\"client\";r=2;", ok[0].Headers.GetValues("RateLimit").Single());
        var refused = limitedAnswers[0];
        await refused.ProblemAsync(HttpStatusCode.TooManyRequests, AccessProblemCodes.RateLimited);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 2);
        Assert.Matches("^\"client\";r=0;t=\\d+$", refused.Headers.GetValues("RateLimit").Single());
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        // After Retry-After the bucket has refilled.
        await Poll.UntilAsync(async () => (await client.GetAsync(path)).StatusCode, status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(5), "the bucket to refill");
        // Another client of the same county is not affected by this one's bucket.
        var neighbour = await GatewayClients.CreateAsync(platform, county);
        using var other = platform.GatewayAs(neighbour.Key);
        await other.GetJsonAsync(path);
    }

    [Fact]
    public async Task The_countys_bucket_is_shared_by_its_clients()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        using var admin = platform.Gateway();
        Assert.True((await admin.GetJsonAsync($"/api/gateway/counties/{county}/rate-limit")).GetProperty("default").GetBoolean());
        await (await admin.PutJsonAsync($"/api/gateway/counties/{county}/rate-limit", new { permitsPerSecond = 0.5, burst = 4 })).OkAsync();
        await (await admin.PutJsonAsync($"/api/gateway/counties/{county}/rate-limit", new { permitsPerSecond = 0, burst = 4 }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "permitsPerSecond");
        // A client's limit is under rateLimit, and its fields are named so.
        await (await admin.PostJsonAsync("/api/gateway/clients", new { name = "热线", county, scopes = new[] { "requests:read" }, rateLimit = new { permitsPerSecond = 5 } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "rateLimit.burst");
        var first = await GatewayClients.CreateAsync(platform, county);
        var second = await GatewayClients.CreateAsync(platform, county);
        using var one = platform.GatewayAs(first.Key);
        using var two = platform.GatewayAs(second.Key);
        var path = $"/api/dispatch/counties/{county}/requests";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await one.GetAsync(path)).StatusCode);
            statuses.Add((await two.GetAsync(path)).StatusCode);
        }

        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        using var refused = await two.GetAsync(path);
        var problem = await refused.ProblemAsync(HttpStatusCode.TooManyRequests, AccessProblemCodes.RateLimited);
        Assert.Contains("county", problem.GetProperty("detail").GetString());
        Assert.StartsWith("\"county\";", refused.Headers.GetValues("RateLimit-Policy").Single());
        // Another county's clients draw from their own bucket.
        var elsewhere = await GatewayClients.CreateAsync(platform, await GatewayClients.CountyAsync(platform));
        using var three = platform.GatewayAs(elsewhere.Key);
        Assert.Equal(HttpStatusCode.OK, (await three.GetAsync("/api/gateway/me")).StatusCode);
    }
}
