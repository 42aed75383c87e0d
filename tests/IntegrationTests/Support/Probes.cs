using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.Registry;
using Platform.LocalInfrastructure;
using Platform.Probe;

namespace Platform.IntegrationTests.Support;

/// <summary>Starts the probe service (tests/Probe) as a process or in-process against a test database and virtual host.</summary>
public sealed record ProbeEnvironment(ServiceDatabase Database, string VirtualHost, string AmqpUri)
{
    public const string ConsumerQueue = "probe-effect";

    public static async Task<ProbeEnvironment> CreateAsync(PlatformFixture fixture)
    {
        var vhost = await fixture.CreateVirtualHostAsync();
        return new(await fixture.CreateDatabaseAsync("probedb"), vhost, fixture.AmqpUri(vhost));
    }

    public async Task<ServiceProcess> StartProcessAsync(bool blockBeforeCommit)
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var process = TestProcesses.Start("probe", "tests/Probe", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url,
            [$"ConnectionStrings__{ProbeHost.ConnectionName}"] = Database.AppConnectionString,
            [$"ConnectionStrings__{ProbeHost.ConnectionName}-owner"] = Database.OwnerConnectionString,
            ["ConnectionStrings__messaging"] = AmqpUri,
            ["Probe__BlockBeforeCommit"] = blockBeforeCommit ? "true" : "false",
            ["Messaging__RetryLimit"] = "1",
        });
        await process.WaitHealthyAsync(url, TimeSpan.FromSeconds(60));
        return process;
    }

    /// <summary>The probe in this process; without the consumer it is a publisher and outbox relay only. <paramref name="map"/> adds endpoints of the test's own.</summary>
    public async Task<WebApplication> StartInProcessAsync(bool withConsumer, bool relayEnabled = true, Action<WebApplication>? map = null)
    {
        var app = ProbeHost.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:{ProbeHost.ConnectionName}={Database.AppConnectionString}",
            $"--ConnectionStrings:{ProbeHost.ConnectionName}-owner={Database.OwnerConnectionString}",
            $"--ConnectionStrings:messaging={AmqpUri}",
            $"--Messaging:Outbox:RelayEnabled={relayEnabled}",
            "--Logging:LogLevel:Default=Warning",
        ], withConsumer);
        map?.Invoke(app);
        await Platform.ServiceDefaults.Persistence.PersistenceExtensions.MigrateDatabaseAsync(app);
        await app.StartAsync();
        return app;
    }

    public static CountyRegistered Message(Guid countyId, string code, string name = "岳池县") =>
        new(countyId, code, name, "Asia/Shanghai", DateTimeOffset.UtcNow);

    public static Task PublishAsync(WebApplication publisher, CountyRegistered message, Guid messageId) =>
        publisher.Services.GetRequiredService<IBus>().Publish(message, context => context.MessageId = messageId);
}
