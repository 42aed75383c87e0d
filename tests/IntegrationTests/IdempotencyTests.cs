using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Gateway;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests;

/// <summary>Idempotency-Key on POSTs, through the gateway: one effect per key, the stored answer replayed.</summary>
[Collection(PlatformCollection.Name)]
public sealed class IdempotencyTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_retry_with_the_same_key_and_body_gets_the_stored_answer_and_has_no_second_effect()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        var key = Guid.NewGuid().ToString();

        using var first = await PostCountyAsync(client, key, code, "岳池县");
        var written = await Outbox.WrittenAsync(platform);
        using var retry = await PostCountyAsync(client, key, code, "岳池县");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("application/json", retry.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await CountAsync(platform, $"SELECT count(*) FROM counties WHERE code = '{code}'"));
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_refused_with_422_and_writes_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var key = Guid.NewGuid().ToString();
        var code = Counties.NewCode();
        var otherCode = Counties.NewCode();
        using var first = await PostCountyAsync(client, key, code, "岳池县");

        using var reused = await PostCountyAsync(client, key, otherCode, "武胜县");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal((HttpStatusCode)422, reused.StatusCode);
        var problem = await reused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("idempotency_key_reused", problem.GetProperty("code").GetString());
        Assert.Equal("Idempotency-Key", problem.GetProperty("field").GetString());
        Assert.Equal(0, await CountAsync(platform, $"SELECT count(*) FROM counties WHERE code = '{otherCode}'"));
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_create_one_resource_and_the_others_replay_or_get_409()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var key = Guid.NewGuid().ToString();
        var code = Counties.NewCode();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostCountyAsync(client, key, code, "岳池县")));

        try
        {
            foreach (var response in responses)
            {
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Assert.Equal("idempotency_key_in_use", problem.GetProperty("code").GetString());
                }
                else
                {
                    Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                }
            }
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created && !r.Headers.Contains("Idempotent-Replayed"));
            Assert.Equal(1, await CountAsync(platform, $"SELECT count(*) FROM counties WHERE code = '{code}'"));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_refusal_is_not_stored_so_the_key_runs_again_and_serves_the_corrected_request()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var key = Guid.NewGuid().ToString();
        var code = Counties.NewCode();

        using var first = await PostCountyAsync(client, key, "12", "岳池县");
        using var retry = await PostCountyAsync(client, key, "12", "岳池县");
        var stored = await CountAsync(platform, $"SELECT count(*) FROM idempotency_records WHERE key = '{key}'");
        using var corrected = await PostCountyAsync(client, key, code, "岳池县");
        using var replayed = await PostCountyAsync(client, key, code, "岳池县");

        await first.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "code");
        await retry.ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "code");
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(0, stored);
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        Assert.False(corrected.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(corrected.Headers.Location, replayed.Headers.Location);
        Assert.Equal(1, await CountAsync(platform, $"SELECT count(*) FROM counties WHERE code = '{code}'"));
    }

    [Fact]
    public async Task Two_clients_of_one_county_sending_the_same_key_never_meet_each_others_answers()
    {
        var platform = await fixture.PlatformAsync();
        using var admin = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(admin, code);
        await GatewayClients.KnownAsync(platform, code);
        using var hotline = platform.GatewayAs((await GatewayClients.CreateAsync(platform, code)).Key);
        using var miniProgram = platform.GatewayAs((await GatewayClients.CreateAsync(platform, code)).Key);
        var areas = $"/api/registry/counties/{code}/areas";
        var key = Guid.NewGuid().ToString();
        var street = new { code = "S1", name = "城关街道", level = "street" };

        using var first = await PostWithKeyAsync(hotline, areas, street, key);
        // Another request of another client under the same key is no reuse: it is that client's key.
        using var other = await PostWithKeyAsync(miniProgram, areas, new { code = "S2", name = "九龙街道", level = "street" }, key);
        // The hotline's very request from an operator runs as the operator's own, not as a replay of the hotline's answer.
        using var same = await PostWithKeyAsync(admin, areas, street, key);
        using var retry = await PostWithKeyAsync(hotline, areas, street, key);

        var created = await first.OkAsync(HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
        Assert.False(same.Headers.Contains("Idempotent-Replayed"));
        await same.ProblemAsync(HttpStatusCode.Conflict, "area_code_taken", "code");
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(created.ToString(), (await retry.OkAsync(HttpStatusCode.Created)).ToString());
        Assert.Equal(2, await CountAsync(platform,
            $"SELECT count(*) FROM areas a JOIN counties c ON c.id = a.county_id WHERE c.code = '{code}' AND a.code IN ('S1', 'S2')"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("too-long")]
    public async Task An_invalid_key_is_a_400_naming_the_header(string key)
    {
        key = key == "too-long" ? new string('k', 201) : key;
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/registry/counties")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { code, name = "岳池县" }), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), problem.ToString());
        Assert.Equal(0, await CountAsync(platform, $"SELECT count(*) FROM counties WHERE code = '{code}'"));
    }

    private static Task<HttpResponseMessage> PostCountyAsync(HttpClient client, string key, string code, string name)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/registry/counties")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { code, name }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string path, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private Task<long> CountAsync(RunningPlatform platform, string sql) =>
        fixture.QueryScalarAsync<long>(platform.Databases["registry"].Name, sql);
}
