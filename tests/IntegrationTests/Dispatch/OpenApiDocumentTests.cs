using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>
/// Dispatch's OpenAPI document tells an integrator what a body must hold: the fields every call
/// needs are required and the optional ones are not, and every text field is typed as a string.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OpenApiDocumentTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Bodies_require_what_the_endpoints_require_and_text_fields_are_strings()
    {
        var platform = await fixture.PlatformAsync();
        using var client = new HttpClient { BaseAddress = new Uri(platform.Urls["dispatch"]) };
        var document = await client.GetJsonAsync("/openapi/v1.json");
        var schemas = document.GetProperty("components").GetProperty("schemas");

        Assert.Equal(["category", "channel", "communityId", "description"], document.RequiredOf("PlaceRequestRequest"));
        Assert.Equal(["mode", "tier"], document.RequiredOf("DispatchRequestRequest"));
        Assert.Empty(document.RequiredOf("MemberCommandRequest"));
        Assert.Equal(["proposedDueAt", "reason"], document.RequiredOf("ExtensionRequest"));
        Assert.Equal(["areaId", "level", "matter", "unitId"], document.RequiredOf("BlowWhistleRequest"));
        // A property that is never null in an answer stays required there.
        Assert.Contains("id", document.RequiredOf("RequestResponse"));

        // Text passes through the platform's own converter; its fields are still strings, nullable where optional.
        var place = schemas.GetProperty("PlaceRequestRequest").GetProperty("properties");
        Assert.Equal(["null", "string"], Types(place.GetProperty("address")));
        Assert.Equal(["null", "string"], Types(place.GetProperty("category")));
        // No property of any schema is left untyped ({}), which a generated client reads as any value.
        var untyped = schemas.EnumerateObject()
            .SelectMany(schema => schema.Value.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object && !p.Value.EnumerateObject().Any()).Select(p => $"{schema.Name}.{p.Name}")
                : [])
            .ToList();
        Assert.Empty(untyped);
    }

    private static string[] Types(JsonElement property) => property.GetProperty("type") is { ValueKind: JsonValueKind.Array } types
        ? [.. types.EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal)]
        : [property.GetProperty("type").GetString()!];
}
