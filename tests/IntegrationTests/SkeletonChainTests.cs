using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests;

/// <summary>The walking skeleton: Registry writes a county and its event; Dispatch and Evaluation learn of it through the broker.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SkeletonChainTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_county_registered_through_the_gateway_appears_in_every_service()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();

        using var created = await client.PostAsJsonAsync("/api/registry/counties", new { code, name = "岳池县" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/registry/counties/{code}", created.Headers.Location?.OriginalString);
        var county = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = county.GetProperty("id").GetString();
        Assert.Equal("岳池县", county.GetProperty("name").GetString());
        Assert.Equal("Asia/Shanghai", county.GetProperty("timeZone").GetString());

        var registry = await client.GetFromJsonAsync<JsonElement>($"/api/registry/counties/{code}");
        Assert.Equal(id, registry.GetProperty("id").GetString());

        foreach (var service in new[] { "dispatch", "evaluation" })
        {
            var copy = await Poll.UntilAsync(
                async () =>
                {
                    using var response = await client.GetAsync($"/api/{service}/counties/{code}");
                    return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
                },
                body => body.ValueKind == JsonValueKind.Object,
                TimeSpan.FromSeconds(30),
                $"{service} to know county {code}");
            Assert.Equal(id, copy.GetProperty("id").GetString());
            Assert.Equal("岳池县", copy.GetProperty("name").GetString());
        }

        foreach (var service in new[] { "dispatch", "evaluation" })
        {
            var copies = await fixture.QueryScalarAsync<long>(platform.Databases[service].Name, $"SELECT count(*) FROM counties WHERE id = '{id}'");
            Assert.Equal(1, copies);
        }
        await Poll.UntilAsync(() => fixture.QueryScalarAsync<long>(platform.Databases["registry"].Name, "SELECT count(*) FROM outbox_messages"),
            count => count == 0, TimeSpan.FromSeconds(10), "the registry outbox to drain");
    }

    [Fact]
    public async Task Counties_are_listed_in_pages_ordered_by_code()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        await Counties.RegisterAsync(client, Counties.NewCode(), "武胜县");
        await Counties.RegisterAsync(client, Counties.NewCode(), "邻水县");

        var page = await client.GetFromJsonAsync<JsonElement>("/api/registry/counties?page=1&pageSize=1");
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(1, page.GetProperty("pageSize").GetInt32());
        Assert.True(page.GetProperty("total").GetInt64() >= 2);

        var all = await client.GetFromJsonAsync<JsonElement>("/api/registry/counties?pageSize=200");
        var codes = all.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("code").GetString()!).ToList();
        Assert.Equal(codes.Order(StringComparer.Ordinal), codes);

        using var badPage = await client.GetAsync("/api/registry/counties?pageSize=1000");
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        var problem = await badPage.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("pageSize", out _));
    }

    [Theory]
    [InlineData("registry")]
    [InlineData("dispatch")]
    [InlineData("evaluation")]
    public async Task An_unknown_county_answers_404_problem_in_every_service(string service)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();

        using var response = await client.GetAsync($"/api/{service}/counties/999999");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("county_not_found", problem.GetProperty("code").GetString());
        Assert.Equal("urn:problem:county_not_found", problem.GetProperty("type").GetString());
    }
}
