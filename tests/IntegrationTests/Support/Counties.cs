using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Support;

public static class Counties
{
    private static int _next = Random.Shared.Next(100_000, 400_000);

    /// <summary>A six-digit code no other test uses in this run.</summary>
    public static string NewCode() => Interlocked.Increment(ref _next).ToString("D6");

    public static async Task<JsonElement> RegisterAsync(HttpClient client, string code, string name = "岳池县")
    {
        using var response = await client.PostAsJsonAsync("/api/registry/counties", new { code, name });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"Registering {code} answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
