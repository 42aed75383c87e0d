using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Platform.Gateway.Access;
using Platform.ServiceDefaults.Auth;

namespace Platform.Gateway.Open311;

/// <summary>An answer from a service: its status and JSON body.</summary>
public sealed record ServiceAnswer(int Status, JsonElement Body)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>A problem answer's detail, with the field it names when there is one.</summary>
    public (string? Field, string Detail) Problem()
    {
        if (Body.ValueKind != JsonValueKind.Object)
        {
            return (null, $"The platform answered {Status}.");
        }
        var detail = Body.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : $"The platform answered {Status}.";
        if (Body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            var first = errors.EnumerateObject().FirstOrDefault();
            if (first.Value.ValueKind == JsonValueKind.Array)
            {
                return (first.Name, first.Value.EnumerateArray().FirstOrDefault().GetString() ?? detail);
            }
        }
        return (Body.TryGetProperty("field", out var f) ? f.GetString() : null, detail);
    }
}

/// <summary>
/// The facade's calls to Dispatch and Registry, with the caller's own token, or for the public
/// catalogue (services and their definitions) with a read-only token of the gateway's own for the county.
/// </summary>
public sealed class Open311Backend(IHttpClientFactory clients, IConfiguration configuration, PlatformTokenIssuer issuer, TimeProvider clock, IMemoryCache cache)
{
    public const string HttpClientName = "open311";
    private static readonly TimeSpan NameLifetime = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, ActingCaller> _catalogue = new();

    /// <summary>
    /// Who answers for each request (GeoReport's <c>agency_responsible</c>), by request id: the name of
    /// the unit organisation holding it or, while no unit does, of its community, which dispatches it.
    /// Names are read from Registry and kept five minutes; one Registry cannot give is left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> AgenciesAsync(string county, IReadOnlyCollection<JsonElement> requests, CancellationToken cancellationToken)
    {
        static string? Id(JsonElement r, string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var holders = requests
            .Select(r => (Request: Id(r, "id"), Path: Id(r, "assigneeUnitId") is { } unit ? $"organisations/{unit}" : Id(r, "communityId") is { } community ? $"areas/{community}" : null))
            .Where(h => h.Request is not null && h.Path is not null)
            .ToList();
        var names = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(holders.Select(h => h.Path!).Distinct(StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (path, token) =>
            {
                if (await NameAsync(county, path, token) is { } name)
                {
                    names[path] = name;
                }
            });
        return holders.Where(h => names.ContainsKey(h.Path!)).ToDictionary(h => h.Request!, h => names[h.Path!], StringComparer.Ordinal);
    }

    private async Task<string?> NameAsync(string county, string path, CancellationToken cancellationToken)
    {
        var key = $"open311:name:{county}:{path}";
        if (cache.TryGetValue(key, out string? known))
        {
            return known;
        }
        var answer = await GetAsync("registry", $"/api/registry/counties/{county}/{path}", null, county, cancellationToken);
        if (!answer.Ok || !answer.Body.TryGetProperty("name", out var name) || name.GetString() is not { Length: > 0 } text)
        {
            return null;
        }
        cache.Set(key, text, NameLifetime);
        return text;
    }

    public Task<ServiceAnswer> GetAsync(string service, string path, ActingCaller? caller, string county, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, Url(service, path)), caller, county, cancellationToken);

    public Task<ServiceAnswer> PostAsync(string service, string path, object body, ActingCaller caller, string county, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url(service, path)) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }
        return SendAsync(request, caller, county, cancellationToken);
    }

    private async Task<ServiceAnswer> SendAsync(HttpRequestMessage request, ActingCaller? caller, string county, CancellationToken cancellationToken)
    {
        using (request)
        {
            var acting = caller ?? CatalogueReader(county);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", acting.Token(issuer, clock.GetUtcNow()));
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            return new ServiceAnswer((int)response.StatusCode, body);
        }
    }

    /// <summary>The gateway reading a county's catalogue for itself: request categories, communities and units' names, nothing else.</summary>
    private ActingCaller CatalogueReader(string county) => _catalogue.GetOrAdd(county, code => new ActingCaller(
        new PlatformCaller(Guid.Empty, "gateway open311 catalogue", null, code, [PlatformScopes.Read("requests"), PlatformScopes.Read("registry")], []),
        ApiKeyAuthenticationHandler.SchemeName));

    private string Url(string service, string path) =>
        (configuration[$"services:{service}:http:0"] ?? throw new InvalidOperationException($"services:{service}:http:0 is not configured.")).TrimEnd('/') + path;
}
