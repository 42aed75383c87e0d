using System.Net;
using System.Net.Http.Json;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Gateway;
using Platform.IntegrationTests.Support;
using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests;

/// <summary>Registry killed after its transaction committed and before its relay published.</summary>
[Collection(PlatformCollection.Name)]
public sealed class OutboxCrashTests(PlatformFixture fixture)
{
    [Fact]
    public async Task An_event_committed_before_a_crash_is_published_exactly_once_after_restart()
    {
        var database = await fixture.CreateDatabaseAsync("registrydb");
        var vhost = await fixture.CreateVirtualHostAsync();
        await using var deliveries = await QueueProbe.BindAsync(fixture.AmqpUri(vhost), QueueProbe.ExchangeFor<CountyRegistered>());
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var environment = RunningPlatform.ServiceEnvironment("registry", url, database, fixture.AmqpUri(vhost));

        // The relay is off, so the commit happens and the publish cannot: then the process dies.
        environment["Messaging__Outbox__RelayEnabled"] = "false";
        var crashed = TestProcesses.Start("registry", "src/Services.Registry", environment);
        await crashed.WaitHealthyAsync(url, TimeSpan.FromSeconds(60));
        using (var client = new HttpClient { BaseAddress = new Uri(url) })
        {
            client.DefaultRequestHeaders.Authorization = TestCredentials.ServiceToken();
            using var response = await client.PostAsJsonAsync("/api/registry/counties", new { code = "511621", name = "岳池县" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        await crashed.KillAsync();
        // The county and its default settings: two events committed, none published.
        Assert.Equal(2, await fixture.QueryScalarAsync<long>(database.Name, "SELECT count(*) FROM outbox_messages"));
        Assert.Equal(0u, await deliveries.CountAsync());

        environment["Messaging__Outbox__RelayEnabled"] = "true";
        await using var restarted = TestProcesses.Start("registry", "src/Services.Registry", environment);
        await restarted.WaitHealthyAsync(url, TimeSpan.FromSeconds(60));

        // Once the row is gone the relay has been confirmed and can never publish it again.
        await Poll.UntilAsync(() => fixture.QueryScalarAsync<long>(database.Name, "SELECT count(*) FROM outbox_messages"),
            count => count == 0, TimeSpan.FromSeconds(30), "the relay to publish the committed events");
        await Poll.UntilAsync(deliveries.CountAsync, count => count > 0, TimeSpan.FromSeconds(10), "the event to reach the queue");
        var ids = await deliveries.DrainMessageIdsAsync();
        Assert.Single(ids);
    }
}
