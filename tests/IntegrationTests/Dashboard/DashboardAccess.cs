using System.Net.Http.Headers;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>The operations dashboard in the tests: the gateway's settings for it, and clients with or without the operator's key.</summary>
public static class DashboardAccess
{
    public const string OperatorKey = "test-operator-key-7f3a9c";

    /// <summary>What the gateway needs besides its usual environment: the operator key and RabbitMQ's management API (Aspire contract).</summary>
    public static IReadOnlyDictionary<string, string> GatewaySettings(PlatformFixture fixture) => new Dictionary<string, string>
    {
        ["Gateway__OperatorKey"] = OperatorKey,
        ["ConnectionStrings__messaging"] = fixture.AmqpUri(),
        ["services__messaging__management__0"] = fixture.Broker.ManagementUri.ToString(),
        // Restarts are counted from background health checks: every second here, so a test sees one at once.
        ["Dashboard__MonitorInterval"] = "00:00:01",
        // The test machine's two cores are shared: a service catching up after a restart may be slow to answer.
        ["Dashboard__ReadTimeout"] = "00:00:05",
    };

    /// <summary>A client of the gateway presenting <paramref name="key"/> as the operator's bearer credential (none: anonymous).</summary>
    public static HttpClient Client(RunningPlatform platform, string? key = OperatorKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(platform.GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }
}
