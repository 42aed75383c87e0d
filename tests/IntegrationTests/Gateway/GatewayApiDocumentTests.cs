using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.Gateway.Open311;
using Platform.Gateway.Webhooks;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Gateway;

/// <summary>The merged OpenAPI document describes the gateway's own API and the authentication; the signing follows Standard Webhooks.</summary>
[Collection(PlatformCollection.Name)]
public sealed class GatewayApiDocumentTests(PlatformFixture fixture)
{
    [Fact]
    public async Task The_merged_document_has_the_gateways_api_the_security_scheme_and_each_operations_access()
    {
        var platform = await fixture.PlatformAsync();
        using var anonymous = platform.GatewayAs(null);

        var document = await anonymous.GetJsonAsync("/openapi/platform.json");

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/gateway/clients", "/api/gateway/clients/{id}/keys", "/api/gateway/counties/{county}/webhooks",
            "/api/gateway/counties/{county}/webhooks/{id}/deliveries", "/open311/v2/requests.{format}", "/open311/v2/services/{service_code}.{format}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the merged document");
        }
        var operations = paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/gateway", StringComparison.Ordinal) || p.Name.StartsWith("/open311", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(op => (Path: p.Name, Method: op.Name, Operation: op.Value))).ToList();
        Assert.All(operations, op => Assert.True(op.Operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0, $"{op.Method} {op.Path} has no summary"));
        Assert.Equal("511621", paths.GetProperty("/api/gateway/clients").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("application/json").GetProperty("example").GetProperty("county").GetString());

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.True(document.GetProperty("security")[0].TryGetProperty("apiKey", out _));
        // Each service operation says the scope it needs and, for a command, the roles.
        var dispatch = paths.GetProperty("/api/dispatch/counties/{county}/requests/{id}/dispatch").GetProperty("post");
        Assert.Contains("`requests:write`", dispatch.GetProperty("description").GetString());
        Assert.Contains("`community_officer`", dispatch.GetProperty("description").GetString());
        Assert.True(dispatch.GetProperty("responses").TryGetProperty("403", out _));
        Assert.Contains("`registry:read`", paths.GetProperty("/api/registry/counties/{county}/areas").GetProperty("get").GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/docs/index.html")).StatusCode);
    }

    [Fact]
    public void Signatures_match_the_Standard_Webhooks_test_vector()
    {
        // The example of the Standard Webhooks specification.
        var signature = WebhookSignature.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}");

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Retries_back_off_exponentially_up_to_the_maximum()
    {
        var options = new WebhookOptions { FirstRetryDelay = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromHours(1) };

        var delays = Enumerable.Range(0, 14).Select(attempts => WebhookSender.Backoff(attempts, options).TotalSeconds).ToList();

        Assert.InRange(delays[0], 4.5, 5.5);
        Assert.InRange(delays[3], 36, 44);
        Assert.All(delays.Skip(10), d => Assert.InRange(d, 3240, 3960));
        // Retried for the default window, a delivery gets about 35 attempts over more than 24 hours.
        var total = TimeSpan.Zero;
        var attempt = 0;
        for (; total < new WebhookOptions().RetryFor; attempt++)
        {
            total += WebhookSender.Backoff(attempt, new WebhookOptions());
        }
        Assert.InRange(attempt, 25, 40);
    }

    [Fact]
    public async Task An_Open311_list_is_the_same_tree_in_JSON_and_XML()
    {
        var document = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["service_code"] = "livelihood",
            ["metadata"] = true,
            ["attributes"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["code"] = "community",
                ["values"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["key"] = "k1", ["name"] = "东门社区" }),
            }),
        });

        var xml = await RenderAsync(Open311Format.Answer("xml", document, "services", "service"));

        Assert.Equal("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>livelihood</service_code><metadata>true</metadata>" +
            "<attributes><attribute><code>community</code><values><value><key>k1</key><name>东门社区</name></value></values></attribute></attributes></service></services>", xml);
    }

    private static async Task<string> RenderAsync(IResult result)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging()
                .BuildServiceProvider(),
        };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }
}
