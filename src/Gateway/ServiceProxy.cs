using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway;

/// <summary>
/// One catch-all route per service (<c>/api/{service}/**</c>), forwarded unchanged to the service's
/// instances named by the Aspire contract (<c>services:{service}:http:N</c>); the gateway's
/// <c>/health</c> includes every downstream service's.
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
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);
        return builder;
    }
}
