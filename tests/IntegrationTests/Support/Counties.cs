using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Support;

public static class Counties
{
    /// <summary>The provinces' two digits (GB/T 2260), which a county's code must start with.</summary>
    private static readonly string[] Provinces =
        ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46",
         "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"];

    private static int _next = Random.Shared.Next(Provinces.Length * 10_000);

    /// <summary>A valid six-digit county code no other test uses in this run.</summary>
    public static string NewCode()
    {
        var n = Interlocked.Increment(ref _next) % (Provinces.Length * 10_000);
        return Provinces[n / 10_000] + (n % 10_000).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<JsonElement> RegisterAsync(HttpClient client, string code, string name = "岳池县")
    {
        using var response = await client.PostAsJsonAsync("/api/registry/counties", new { code, name });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"Registering {code} answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
