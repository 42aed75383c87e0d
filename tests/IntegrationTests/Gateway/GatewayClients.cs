using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Gateway;

/// <summary>An API client made through the admin API: its id and its key (shown once).</summary>
public sealed record TestClient(Guid Id, string Key, Guid KeyId);

/// <summary>Clients and counties through the gateway's admin API, as an operator does it.</summary>
public static class GatewayClients
{
    public static readonly string[] CountyScopes =
        ["registry:read", "registry:write", "requests:read", "requests:write", "activities:read", "activities:write", "evaluation:read", "evaluation:write", "webhooks"];

    /// <summary>Registers a county through Registry and waits until the gateway's directory, Dispatch and Evaluation have it.</summary>
    public static async Task<string> CountyAsync(RunningPlatform platform)
    {
        var code = Counties.NewCode();
        using var client = platform.Gateway();
        await Counties.RegisterAsync(client, code, "网关县" + code);
        await KnownAsync(platform, code);
        foreach (var service in new[] { "dispatch", "evaluation" })
        {
            await Poll.UntilAsync(
                () => platform.Fixture.QueryScalarAsync<long>(platform.Databases[service].Name, $"SELECT count(*) FROM counties WHERE code = '{code}'"),
                n => n == 1, TimeSpan.FromSeconds(60), $"{service} to learn of county {code}");
        }
        return code;
    }

    /// <summary>Waits until the gateway has learnt of a county from Registry's event.</summary>
    public static async Task KnownAsync(RunningPlatform platform, string code)
    {
        using var client = platform.Gateway();
        await Poll.UntilAsync(async () => (await client.GetAsync($"/api/gateway/counties/{code}")).StatusCode, status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), $"the gateway to learn of county {code}");
    }

    public static async Task<TestClient> CreateAsync(RunningPlatform platform, string? county, string[]? scopes = null, string[]? roles = null, object? rateLimit = null)
    {
        using var client = platform.Gateway();
        var created = await (await client.PostJsonAsync("/api/gateway/clients", new
        {
            name = "测试客户端 " + (county ?? "operator"),
            county,
            scopes = scopes ?? CountyScopes,
            roles = roles ?? [],
            rateLimit,
        })).OkAsync(HttpStatusCode.Created);
        return new TestClient(created.GetProperty("client").Id(), created.GetProperty("key").GetString()!, created.GetProperty("keyInfo").Id());
    }

    public static async Task<JsonElement> GetAsync(RunningPlatform platform, Guid id)
    {
        using var client = platform.Gateway();
        return await client.GetJsonAsync($"/api/gateway/clients/{id}");
    }
}
