using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Gateway;

/// <summary>A downstream service is healthy when its own <c>/health</c> says so (database and broker reachable).</summary>
internal sealed class DownstreamHealthCheck(string service, string baseUrl, IHttpClientFactory clients) : IHealthCheck
{
    public const string HttpClientName = "downstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await clients.CreateClient(HttpClientName).GetAsync($"{baseUrl}/health", cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"{service} at {baseUrl} is healthy.")
                : HealthCheckResult.Unhealthy($"{service} at {baseUrl} answered {(int)response.StatusCode}.");
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{service} at {baseUrl} is not reachable.", exception);
        }
    }
}
