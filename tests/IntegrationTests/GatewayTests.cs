using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests;

[Collection(PlatformCollection.Name)]
public sealed class GatewayTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Health_reports_every_downstream_service()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        foreach (var service in new[] { "registry", "dispatch", "evaluation" })
        {
            Assert.Equal("Healthy", report.GetProperty("checks").GetProperty(service).GetProperty("status").GetString());
        }
        using var alive = await client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task A_service_reports_its_database_and_broker_in_its_health()
    {
        var platform = await fixture.PlatformAsync();
        using var client = new HttpClient { BaseAddress = new Uri(platform.Urls["dispatch"]) };

        var report = await client.GetFromJsonAsync<JsonElement>("/health");

        var checks = report.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("dispatchdb").GetProperty("status").GetString());
        Assert.Contains(checks.EnumerateObject(), check => check.Name.Contains("masstransit", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_callers_trace_continues_through_the_gateway_into_the_service()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/evaluation/counties/999997");
        request.Headers.Add("traceparent", $"00-{traceId}-{traceId[..16]}-01");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        // The service's problem carries the W3C id of its own span: same trace, new span.
        var serviceTrace = problem.GetProperty("traceId").GetString()!;
        Assert.Equal(traceId, serviceTrace.Split('-')[1]);
        Assert.NotEqual(traceId[..16], serviceTrace.Split('-')[2]);
    }

    [Fact]
    public async Task Paths_outside_the_services_answer_404_problem()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();

        using var response = await client.GetAsync("/api/unknown/things");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
    }
}
