using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.IntegrationTests.Support;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.IntegrationTests;

/// <summary>A request that fails with a 500 is counted and traced on its route, not as one with no route.</summary>
[Collection(PlatformCollection.Name)]
public sealed class FailedRequestTelemetryTests(PlatformFixture fixture)
{
    private const string Route = "/api/probe/failing/{id}";

    [Fact]
    public async Task A_500_keeps_its_route_in_the_traffic_figures_and_in_its_trace()
    {
        var probe = await ProbeEnvironment.CreateAsync(fixture);
        var servers = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Kind == ActivityKind.Server)
                {
                    servers.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var app = await probe.StartInProcessAsync(withConsumer: false, relayEnabled: false, map: app =>
            app.MapGet(Route, IResult (string id) => throw new InvalidOperationException($"The handler for {id} failed.")).AllowAnonymous());
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var response = await client.GetAsync("/api/probe/failing/42");

        await response.ProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        var routes = app.Services.GetRequiredService<TrafficWindow>().Routes();
        var failing = Assert.Single(routes, r => r.Route == Route);
        Assert.Equal(("GET", 1L, 1L), (failing.Method, failing.Requests, failing.Errors));
        Assert.DoesNotContain(routes, r => r.Route == "(no route)");
        var span = await Poll.UntilAsync(() => Task.FromResult(servers.FirstOrDefault(a => a.DisplayName == "GET " + Route)), a => a is not null,
            TimeSpan.FromSeconds(10), "the request's server span");
        Assert.Equal(Route, span!.GetTagItem("http.route"));
        Assert.Equal(500, span.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }
}
