using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>
/// The operations dashboard end to end in headless Chromium (Debian's, driven by Playwright): the
/// platform gets traffic and three failures — a poison message in an error queue, a request gone
/// overdue (Dispatch restarted with its clock moved ahead), then Dispatch stopped — and every panel
/// must show them, the Dispatch-fed panel degrading alone. Screenshots go to TestResults/dashboard/.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardBrowserTests(PlatformFixture fixture, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_panel_shows_the_platform_state_and_one_service_down_degrades_only_its_panels()
    {
        var watch = Stopwatch.StartNew();
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        using var ops = DashboardAccess.Client(platform);
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var members = county.Members;

        // Traffic, and what will go overdue or at risk once Dispatch's clock is 60 h ahead: one request never
        // answered (response due in 24 h) and one never triaged, both overdue; one being worked on
        // (completion due in 72 h, at risk from 57.6 h).
        var unanswered = (await steps.PlaceAsync("单元门禁损坏，陌生人随意进出")).Id();
        await steps.DispatchAsync(unanswered, "ordinary", "member", new { memberId = members[1].Id });
        var onTrack = await steps.InProgressWithAsync(members[4].Id, "小区路面坑洼需要修补");
        await steps.PlaceAsync("楼道堆放杂物需要清理", category: "environment");
        for (var i = 0; i < 5; i++)
        {
            await steps.GetAsync(onTrack);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(county.Path($"requests/{Guid.NewGuid()}"))).StatusCode);
        }
        var before = await BusinessAsync(ops, county.Code);
        Assert.Equal(3, before.GetProperty("today").GetProperty("placed").GetInt32());
        Assert.Equal(3, before.GetProperty("open").GetInt32());

        var poison = await PublishPoisonAsync(platform);
        try
        {
            await platform.RestartAsync("dispatch", new Dictionary<string, string> { ["Clock__Offset"] = TimeSpan.FromHours(60).ToString() });
            var late = await Poll.UntilAsync(() => BusinessAsync(ops, county.Code),
                c => c.ValueKind == JsonValueKind.Object && c.GetProperty("overdue").GetInt32() == 2 && c.GetProperty("atRisk").GetInt32() == 1 && c.GetProperty("escalationsOpen").GetInt32() >= 1,
                Deadline, "the unanswered and untriaged requests overdue and escalated, the one being worked on at risk");
            Assert.Equal(3, late.GetProperty("open").GetInt32());
            Assert.Equal(2, late.GetProperty("openByTier").GetProperty("ordinary").GetInt32());
            Assert.Equal(1, late.GetProperty("openByTier").GetProperty("untriaged").GetInt32());
            await Poll.UntilAsync(() => ops.GetJsonAsync("/ops/api/messaging"),
                m => m.GetProperty("errorQueues").EnumerateArray().Any(q => q.GetProperty("name").GetString() == poison + "_error" && q.GetProperty("count").GetInt64() >= 1),
                Deadline, "the poison message in its error queue");

            // Dispatch's own window started again with the process: traffic after the restart.
            for (var i = 0; i < 5; i++)
            {
                await steps.GetAsync(unanswered);
            }

            // One trace through every hop: the gateway, Registry, its outbox publish, and the consumers in Dispatch and Evaluation.
            var traceId = ActivityTraceIdHex();
            using (var register = new HttpRequestMessage(HttpMethod.Post, "/api/registry/counties") { Content = JsonContent.Create(new { code = Counties.NewCode(), name = "链路县" }) })
            {
                register.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanIdHex()}-01");
                Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(register)).StatusCode);
            }
            await Poll.UntilAsync(() => ops.GetJsonAsync($"/ops/api/traces/{traceId}"),
                t => t.GetProperty("services").GetArrayLength() == 4, Deadline, "the registration's spans in all four processes");

            await using var browser = await BrowserAsync();
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
            await LogInAsync(page, platform);

            // 1. Services: all up, Dispatch's restart counted, PostgreSQL and RabbitMQ reachable.
            var services = page.Locator("#panel-services");
            foreach (var service in new[] { "gateway", "registry", "dispatch", "evaluation" })
            {
                await Expect(services.Locator($"tr[data-service='{service}'][data-state='up']").First).ToBeVisibleAsync();
            }
            await Expect(services.Locator("tr[data-service='dispatch'] td[data-restarts]").First).Not.ToHaveAttributeAsync("data-restarts", "0");
            await Expect(services.Locator("tr[data-infrastructure='PostgreSQL'][data-state='reachable']")).ToBeVisibleAsync();
            await Expect(services.Locator("tr[data-infrastructure='RabbitMQ'][data-state='reachable']")).ToBeVisibleAsync();

            // 2. Traffic: charts per service, the routes used, the county whose calls failed.
            var traffic = page.Locator("#panel-traffic");
            await Expect(traffic.Locator(".card[data-service='gateway'] svg").First).ToBeVisibleAsync();
            await Expect(traffic.Locator(".card[data-service='dispatch'] svg").First).ToBeVisibleAsync();
            await Expect(traffic.Locator("tr[data-route='gateway POST /api/dispatch/{**rest}']")).ToBeVisibleAsync();
            await Expect(traffic.Locator("tr[data-route='dispatch GET /api/dispatch/counties/{county}/requests/{id:guid}']")).ToBeVisibleAsync();
            await Expect(traffic.Locator($"#failing-counties tr[data-key='{county.Code}']")).ToBeVisibleAsync();

            // 3. Messaging: the error queue with the failed message's type and reason; every service's outbox.
            var messaging = page.Locator("#panel-messaging");
            var errorQueue = messaging.Locator($"#error-queues tr[data-queue='{poison}_error']");
            await Expect(errorQueue.First).ToContainTextAsync("Platform.Contracts.Registry:AreaChanged");
            await Expect(errorQueue.First).ToContainTextAsync("names no county");
            foreach (var service in new[] { "registry", "dispatch", "evaluation" })
            {
                await Expect(messaging.Locator($"#outboxes tr[data-service='{service}']")).ToBeVisibleAsync();
            }
            await Expect(messaging.Locator("#queues tr[data-queue]").First).ToBeVisibleAsync();

            // 4. Business health, filtered to the county: two overdue, one at risk.
            await page.Locator("#county-filter").SelectOptionAsync(county.Code);
            var row = page.Locator($"#business-table tr[data-county='{county.Code}']");
            await Expect(row.Locator("td[data-field='overdue']")).ToHaveTextAsync("2");
            await Expect(row.Locator("td[data-field='atRisk']")).ToHaveTextAsync("1");
            await Expect(page.Locator("#business-table tbody tr")).ToHaveCountAsync(1);

            // 5. Webhooks and integrators: the subscriptions and clients (none of them in trouble here).
            var integrations = page.Locator("#panel-integrations");
            await Expect(integrations.Locator("#webhook-summary")).ToContainTextAsync("active");
            await Expect(integrations.Locator("#client-summary")).ToContainTextAsync("active keys");
            await Expect(integrations.Locator("#webhook-attention-none")).ToBeVisibleAsync();

            // 6. Traces: the registration's trace from the gateway to the consumers.
            await page.EvaluateAsync($"location.hash = 'trace={traceId}'");
            var spans = page.Locator("#trace-spans");
            foreach (var service in new[] { "gateway", "registry", "dispatch", "evaluation" })
            {
                await Expect(spans.Locator($".span-row[data-service='{service}']").First).ToBeVisibleAsync();
            }
            await Expect(spans.Locator(".span-row[data-kind='consumer']").First).ToBeVisibleAsync();
            await Expect(spans.Locator(".span-row[data-kind='producer']").First).ToBeVisibleAsync();
            await ScreenshotAsync(page, "1-everything-up.png");

            // Dispatch goes down: its panels say so, the rest keeps working.
            await platform.StopAsync("dispatch");
            Assert.Equal(HttpStatusCode.BadGateway, (await client.GetAsync(county.Path("requests"))).StatusCode);
            await Expect(page.Locator("#panel-business")).ToHaveAttributeAsync("data-state", "error", new() { Timeout = 15_000 });
            await Expect(page.Locator("#panel-business .panel-error")).ToContainTextAsync("Dispatch unreachable");
            await Expect(services.Locator("tr[data-service='dispatch'][data-state='down']")).ToBeVisibleAsync();
            await Expect(messaging.Locator("#outboxes tr[data-service='dispatch']")).ToContainTextAsync("unreachable");
            await Expect(page.Locator("#recent-traces tr.failed").First).ToBeVisibleAsync();
            foreach (var healthy in new[] { "services", "traffic", "messaging", "integrations", "traces" })
            {
                await Expect(page.Locator($"#panel-{healthy}")).ToHaveAttributeAsync("data-state", "ok");
            }
            await ScreenshotAsync(page, "2-dispatch-down.png");
        }
        finally
        {
            await platform.RestartAsync("dispatch");
        }
        output.WriteLine($"Dashboard browser test took {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    /// <summary>The county's business health as the dashboard reads it; Undefined while Dispatch does not answer (it may be catching up after a restart).</summary>
    private static async Task<JsonElement> BusinessAsync(HttpClient ops, string county)
    {
        var view = await ops.GetJsonAsync($"/ops/api/business?county={county}");
        return view.GetProperty("available").GetBoolean() ? Assert.Single(view.GetProperty("counties").EnumerateArray()) : default;
    }

    private async Task LogInAsync(IPage page, RunningPlatform platform)
    {
        var login = await page.GotoAsync(platform.GatewayUrl + "/ops/dashboard");
        Assert.Equal(401, login!.Status);
        await page.FillAsync("#key", "a guess");
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator(".message")).ToContainTextAsync("not the operator's");
        await page.FillAsync("#key", DashboardAccess.OperatorKey);
        await page.ClickAsync("button[type=submit]");
        // Committed is enough: whether the page has loaded is what data-loaded says, below.
        await page.WaitForURLAsync("**/ops/dashboard", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("body[data-loaded='true']")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        output.WriteLine("Logged in to the dashboard");
    }

    /// <summary>An AreaChanged naming no county, sent to Evaluation's queue for it: every attempt fails, so it ends in the _error queue.</summary>
    private static async Task<string> PublishPoisonAsync(RunningPlatform platform)
    {
        using var management = platform.Fixture.ManagementClient();
        var queues = await management.GetFromJsonAsync<JsonElement>("api/queues/%2F");
        var names = queues.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToList();
        var queue = names.FirstOrDefault(name => name == "evaluation-registry-replica");
        Assert.True(queue is not null, "No Evaluation queue for Registry's events among: " + string.Join(", ", names));
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:Platform.Contracts.Registry:AreaChanged" },
            message = new
            {
                countyId = Guid.Empty, areaId = Guid.NewGuid(), version = 1, change = "created", code = "poison", name = "无县之地", level = "grid",
                parentId = (Guid?)null, retiredAt = (DateTimeOffset?)null, changedAt = DateTimeOffset.UtcNow,
            },
            headers = new { },
        });
        await using var connection = await new ConnectionFactory { Uri = new Uri(platform.Fixture.AmqpUri()) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // MassTransit binds each endpoint's queue to an exchange of the same name.
        await channel.BasicPublishAsync(queue, "", mandatory: false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true }, Encoding.UTF8.GetBytes(envelope));
        return queue!;
    }

    private static async Task<BrowserSession> BrowserAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/setup.sh");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        return new BrowserSession(playwright, browser);
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRootPath(), "TestResults", "dashboard");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, name);
        await page.ScreenshotAsync(new() { Path = file, FullPage = true });
        output.WriteLine($"Screenshot: {file}");
        Console.WriteLine($"Dashboard screenshot: {file}");
    }

    private static string RepositoryRootPath() => Platform.LocalInfrastructure.RepositoryRoot.Path;

    private static string ActivityTraceIdHex() => System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();

    private static string ActivitySpanIdHex() => System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString();

    private sealed class BrowserSession(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IPage> NewPageAsync(BrowserNewPageOptions options) => browser.NewPageAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
