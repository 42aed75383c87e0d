using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;

namespace Platform.Gateway;

/// <summary>
/// One OpenAPI document for integrators: every service's own document (fetched from the service,
/// <c>/openapi/v1.json</c>) merged into one, served at <c>/openapi/platform.json</c>, with Swagger UI
/// over it at <c>/docs</c>. Paths are already unique (<c>/api/{service}/…</c>); schema names are
/// prefixed with the service (<c>registry.MemberResponse</c>) and every <c>$ref</c> rewritten, so two
/// services may use the same type name. A service that does not answer is listed under
/// <c>x-unavailable</c> and the rest is still served. The merge is cached briefly. The gateway's own
/// API (clients, webhooks, Open311) is merged in too, and the document describes the
/// authentication every call needs: <c>Authorization: Bearer &lt;API key&gt;</c>.
/// </summary>
public static class PlatformApiDocument
{
    public const string Path = "/openapi/platform.json";
    public const string HttpClientName = "openapi";
    private const string SchemaPrefix = "#/components/schemas/";

    public static IHostApplicationBuilder AddPlatformApiDocument(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    public static WebApplication MapPlatformApiDocument(this WebApplication app)
    {
        app.MapGet(Path, ServeAsync).ExcludeFromDescription();
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "docs";
            options.DocumentTitle = "双联双报到 platform API";
            options.SwaggerEndpoint(Path, "Platform API (Registry, Dispatch, Evaluation)");
        });
        return app;
    }

    private static async Task<IResult> ServeAsync(
        IHttpClientFactory clients, IConfiguration configuration, IMemoryCache cache, HttpContext http, CancellationToken cancellationToken)
    {
        // The gateway's own document, from itself (over the address this call came in on).
        var local = http.Connection.LocalIpAddress;
        var self = local is null ? null
            : $"http://{(local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{local}]" : local.ToString())}:{http.Connection.LocalPort}";
        var document = await cache.GetOrCreateAsync("platform-openapi", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30);
            return await MergeAsync(clients.CreateClient(HttpClientName), configuration, self, cancellationToken);
        });
        return Results.Text(document!.ToJsonString(), "application/json");
    }

    private static async Task<JsonObject> MergeAsync(HttpClient client, IConfiguration configuration, string? self, CancellationToken cancellationToken)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var tags = new JsonArray();
        var unavailable = new JsonArray();
        var sources = ServiceProxy.Services.Select(service => (service, url: configuration[$"services:{service}:http:0"]?.TrimEnd('/')))
            .Append(("gateway", self));
        foreach (var (service, url) in sources)
        {
            JsonNode? source = null;
            try
            {
                source = JsonNode.Parse(await client.GetStringAsync($"{url}/openapi/v1.json", cancellationToken));
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                unavailable.Add(service);
                continue;
            }
            RewriteReferences(source!, service);
            foreach (var (path, item) in source!["paths"]?.AsObject().ToList() ?? [])
            {
                paths[path] = item?.DeepClone();
            }
            foreach (var (name, schema) in source["components"]?["schemas"]?.AsObject().ToList() ?? [])
            {
                schemas[$"{service}.{name}"] = schema?.DeepClone();
            }
            foreach (var tag in source["tags"]?.AsArray() ?? [])
            {
                tags.Add(tag?.DeepClone());
            }
        }
        var document = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "双联双报到 platform API",
                ["version"] = "v1",
                ["description"] = "Every service behind the gateway, and the gateway's own API. County-scoped resources live under /api/{service}/counties/{county}/…; " +
                    "errors are RFC 9457 problem details (docs/problems.md); POSTs accept Idempotency-Key; updates take If-Match (docs/http-conventions.md).\n\n" +
                    "Every call sends an API key: `Authorization: Bearer <key>` (or `X-Api-Key`). A county's key reaches only its county (another county answers 404); " +
                    "each endpoint group needs its scope (403 insufficient_scope). Name the person you act for in `X-Actor-Role` (resident, grid_worker, community_officer, " +
                    "street_officer, county_admin, unit_secretary, member), `X-Actor-Id`, `X-Actor-Name` (percent-encoded) and `X-Channel`; commands check the role " +
                    "(403 role_not_allowed). Rate limits are token buckets per client and per county: 429 with Retry-After, and `RateLimit-Policy`/`RateLimit` on every answer. " +
                    "Guide: docs/gateway/README.md.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/" }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["securitySchemes"] = new JsonObject
                {
                    ["apiKey"] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["description"] = "Your API key (gwk_…), as 'Authorization: Bearer <key>'. X-Api-Key: <key> works too; Open311 clients may send api_key.",
                    },
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() }),
            ["tags"] = tags,
        };
        if (unavailable.Count > 0)
        {
            document["x-unavailable"] = unavailable;
        }
        return document;
    }

    /// <summary>Every "$ref": "#/components/schemas/X" becomes "#/components/schemas/{service}.X".</summary>
    private static void RewriteReferences(JsonNode node, string service)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue reference && reference.TryGetValue<string>(out var target) && target.StartsWith(SchemaPrefix, StringComparison.Ordinal))
                    {
                        obj[key] = SchemaPrefix + service + "." + target[SchemaPrefix.Length..];
                    }
                    else if (value is not null)
                    {
                        RewriteReferences(value, service);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        RewriteReferences(item, service);
                    }
                }
                break;
        }
    }
}
