using System.Text.Json;

namespace Platform.IntegrationTests.Support;

/// <summary>Reading a service's OpenAPI document in the tests.</summary>
public static class OpenApiDocuments
{
    /// <summary>The properties a component schema lists as required, in order; none when it lists none.</summary>
    public static string[] RequiredOf(this JsonElement document, string schema) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(schema).TryGetProperty("required", out var required)
            ? [.. required.EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal)]
            : [];
}
