using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;

namespace Platform.Gateway;

/// <summary>
/// One OpenAPI document for integrators: every service's own document (fetched from the service,
/// <c>/openapi/v1.json</c>) merged into one, served at <c>/openapi/platform.json</c>, with Swagger UI
/// over it at <c>/docs</c>. Paths are already unique (<c>/api/{service}/…</c>); schema names are
/// prefixed with the service (<c>registry.MemberResponse</c>) and every <c>$ref</c> rewritten, so two
/// services may use the same type name. A service that does not answer is listed under
/// <c>x-unavailable</c> and the rest is still served. The merge is cached briefly.
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

    private static async Task<IResult> ServeAsync(IHttpClientFactory clients, IConfiguration configuration, IMemoryCache cache, CancellationToken cancellationToken)
    {
        var document = await cache.GetOrCreateAsync("platform-openapi", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(30);
            return await MergeAsync(clients.CreateClient(HttpClientName), configuration, cancellationToken);
        });
        return Results.Text(document!.ToJsonString(), "application/json");
    }

    private static async Task<JsonObject> MergeAsync(HttpClient client, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var tags = new JsonArray();
        var unavailable = new JsonArray();
        foreach (var service in ServiceProxy.Services)
        {
            var url = configuration[$"services:{service}:http:0"]?.TrimEnd('/');
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
                ["description"] = "Every service behind the gateway. County-scoped resources live under /api/{service}/counties/{county}/…; " +
                    "errors are RFC 9457 problem details (docs/problems.md); POSTs accept Idempotency-Key; updates take If-Match (docs/http-conventions.md).",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
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
