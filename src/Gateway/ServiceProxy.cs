using System.Net.Http.Headers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Gateway.Access;
using Platform.ServiceDefaults.Auth;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Platform.Gateway;

/// <summary>
/// One catch-all route per service (<c>/api/{service}/**</c>), forwarded to the service's instances
/// named by the Aspire contract (<c>services:{service}:http:N</c>) for an authenticated caller only,
/// with the caller's API key replaced by the platform token the services validate (scopes, roles,
/// county, actor). The gateway's <c>/health</c> includes every downstream service's.
/// </summary>
public static class ServiceProxy
{
    /// <summary>The services behind the gateway, by their route segment.</summary>
    public static readonly string[] Services = ["registry", "dispatch", "evaluation"];

    public static IHostApplicationBuilder AddServiceProxy(this IHostApplicationBuilder builder)
    {
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        var health = builder.Services.AddHealthChecks();
        var timeout = builder.Configuration.GetValue("Gateway:ForwardTimeout", TimeSpan.FromSeconds(100));

        foreach (var service in Services)
        {
            var instances = builder.Configuration.GetSection($"services:{service}:http").GetChildren()
                .Select(instance => instance.Value)
                .Where(url => !string.IsNullOrWhiteSpace(url))
                .Select(url => url!.TrimEnd('/'))
                .ToList();
            if (instances.Count == 0)
            {
                throw new InvalidOperationException($"services:{service}:http:0 is not configured: the gateway cannot reach {service}.");
            }

            routes.Add(new RouteConfig
            {
                RouteId = service,
                ClusterId = service,
                Match = new RouteMatch { Path = $"/api/{service}/{{**rest}}" },
                AuthorizationPolicy = GatewayAccess.CallerPolicy,
            });
            clusters.Add(new ClusterConfig
            {
                ClusterId = service,
                LoadBalancingPolicy = "PowerOfTwoChoices",
                HttpRequest = new ForwarderRequestConfig { ActivityTimeout = timeout },
                Destinations = instances.Select((url, index) => (url, index))
                    .ToDictionary(d => $"{service}-{d.index}", d => new DestinationConfig { Address = d.url }),
            });
            health.AddTypeActivatedCheck<DownstreamHealthCheck>(service, HealthStatus.Unhealthy, [], args: [service, instances[0]]);
        }

        builder.Services.AddHttpClient(DownstreamHealthCheck.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(3));
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters).AddTransforms(context =>
        {
            var issuer = context.Services.GetRequiredService<PlatformTokenIssuer>();
            var clock = context.Services.GetRequiredService<TimeProvider>();
            context.AddRequestTransform(transform => ForwardCaller(transform, issuer, clock));
        });
        return builder;
    }

    /// <summary>The service sees the caller through the token alone: the key never leaves the gateway.</summary>
    private static ValueTask ForwardCaller(RequestTransformContext transform, PlatformTokenIssuer issuer, TimeProvider clock)
    {
        var headers = transform.ProxyRequest.Headers;
        headers.Remove("X-Api-Key");
        headers.Authorization = ApiKeyAuthenticationHandler.CallerOf(transform.HttpContext) is { } caller
            ? new AuthenticationHeaderValue("Bearer", caller.Token(issuer, clock.GetUtcNow()))
            : null;
        return ValueTask.CompletedTask;
    }
}
