using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platform.DemoCounty;

/// <summary>Loads a generated county through the gateway: registers the county if needed, then imports each file in order.</summary>
public sealed class DemoCountyLoader(HttpClient gateway, Action<string>? log = null)
{
    public async Task<IReadOnlyList<JsonElement>> LoadAsync(string countyCode, string countyName, DemoCountyFiles files, CancellationToken cancellationToken = default)
    {
        await EnsureCountyAsync(countyCode, countyName, cancellationToken);
        var results = new List<JsonElement>();
        foreach (var (kind, csv) in files.InLoadOrder())
        {
            results.Add(await ImportAsync(countyCode, kind, csv, cancellationToken));
        }
        return results;
    }

    /// <summary>Registers the county unless it is already there.</summary>
    public async Task EnsureCountyAsync(string countyCode, string countyName, CancellationToken cancellationToken = default)
    {
        using (var existing = await gateway.GetAsync($"/api/registry/counties/{countyCode}", cancellationToken))
        {
            if (existing.StatusCode == HttpStatusCode.NotFound)
            {
                using var registered = await gateway.PostAsJsonAsync("/api/registry/counties", new { code = countyCode, name = countyName }, cancellationToken);
                await EnsureAsync(registered, "registering the county", cancellationToken);
                log?.Invoke($"registered county {countyCode} {countyName}");
            }
            else
            {
                await EnsureAsync(existing, "reading the county", cancellationToken);
            }
        }
    }

    public async Task<JsonElement> ImportAsync(string countyCode, string kind, string csv, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(csv, new UTF8Encoding(false), "text/csv");
        using var response = await gateway.PostAsync($"/api/registry/counties/{countyCode}/imports/{kind}", content, cancellationToken);
        var result = await EnsureAsync(response, $"importing {kind}", cancellationToken);
        log?.Invoke($"imported {kind}: {result}");
        return result;
    }

    private static async Task<JsonElement> EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {body}");
        }
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }
}
