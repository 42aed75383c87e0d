using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests;

/// <summary>The gateway serves one OpenAPI document for every service, and Swagger UI over it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class GatewayDocsTests(PlatformFixture fixture)
{
    [Fact]
    public async Task The_merged_document_holds_every_services_paths_and_every_reference_resolves()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();

        var document = await client.GetJsonAsync("/openapi/platform.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/registry/counties/{county}/members", paths);
        Assert.Contains("/api/registry/counties/{county}/imports/{kind}", paths);
        Assert.Contains("/api/dispatch/counties", paths);
        Assert.Contains("/api/evaluation/counties/{county}", paths);
        Assert.False(document.TryGetProperty("x-unavailable", out _), document.ToString()[..200]);
        var schemas = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name).ToHashSet();
        Assert.Contains("registry.MemberResponse", schemas);
        Assert.Contains("dispatch.CountyResponse", schemas);
        var references = new List<string>();
        Collect(document, references);
        Assert.NotEmpty(references);
        Assert.All(references, reference => Assert.Contains(reference["#/components/schemas/".Length..], schemas));
    }

    [Fact]
    public async Task Swagger_UI_is_served_over_the_merged_document()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();

        using var page = await client.GetAsync("/docs/index.html");
        var html = await page.Content.ReadAsStringAsync();
        using var config = await client.GetAsync("/docs/index.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", html);
        Assert.Contains("/openapi/platform.json", await config.Content.ReadAsStringAsync());
    }

    private static void Collect(JsonElement element, List<string> references)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        references.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        Collect(property.Value, references);
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, references);
                }
                break;
        }
    }
}
