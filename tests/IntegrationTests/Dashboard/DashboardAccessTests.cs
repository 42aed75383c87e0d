using System.Net;
using System.Net.Http.Headers;
using Platform.Gateway.Clients;
using Platform.IntegrationTests.Support;
using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>The dashboard is the operator's: no credential answers 401, a wrong one 403, on the page, its assets and every data endpoint.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardAccessTests(PlatformFixture fixture)
{
    private static readonly string[] Guarded =
    [
        "/ops/dashboard", "/ops/dashboard/dashboard.js", "/ops/api/services", "/ops/api/traffic", "/ops/api/messaging", "/ops/api/business",
        "/ops/api/integrations", "/ops/api/traces", "/ops/api/traces/0af7651916cd43dd8448eb211c80319c",
        // The gateway's own internal telemetry is public through it, so it is guarded too.
        "/ops/telemetry", "/ops/instance", "/ops/messaging",
    ];

    [Fact]
    public async Task Without_the_operator_key_every_dashboard_endpoint_answers_401_and_with_a_wrong_one_403()
    {
        var platform = await fixture.PlatformAsync();
        using var anonymous = DashboardAccess.Client(platform, key: null);
        using var wrong = DashboardAccess.Client(platform, key: "not-the-operator-key");
        using var withCookie = DashboardAccess.Client(platform, key: null);
        withCookie.DefaultRequestHeaders.Add("Cookie", "platform_ops=forged-session");
        using var operatorClient = DashboardAccess.Client(platform);

        foreach (var path in Guarded)
        {
            using var none = await anonymous.GetAsync(path);
            Assert.True(none.StatusCode == HttpStatusCode.Unauthorized, $"{path} without a credential answered {(int)none.StatusCode}");
            Assert.Contains("Bearer", none.Headers.WwwAuthenticate.ToString());
            using var refused = await wrong.GetAsync(path);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} with a wrong key answered {(int)refused.StatusCode}");
            using var forged = await withCookie.GetAsync(path);
            Assert.True(forged.StatusCode == HttpStatusCode.Forbidden, $"{path} with a forged session answered {(int)forged.StatusCode}");
            using var allowed = await operatorClient.GetAsync(path);
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{path} with the operator key answered {(int)allowed.StatusCode}: {await allowed.Content.ReadAsStringAsync()}");
        }

        // An API caller gets a problem; a browser gets the login form, with the same status.
        await (await anonymous.GetAsync("/ops/api/services")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await wrong.GetAsync("/ops/api/services")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var page = new HttpRequestMessage(HttpMethod.Get, "/ops/dashboard");
        page.Headers.Accept.ParseAdd("text/html");
        using var loginForm = await anonymous.SendAsync(page);
        Assert.Equal(HttpStatusCode.Unauthorized, loginForm.StatusCode);
        Assert.Contains("action=\"/ops/login\"", await loginForm.Content.ReadAsStringAsync());

        // Bad filters are refused; an unknown county is said so, not shown as empty.
        await (await operatorClient.GetAsync("/ops/api/business?county=51%2F62")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "county");
        await (await operatorClient.GetAsync("/ops/api/traces/not-a-trace")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "traceId");
        await (await operatorClient.GetAsync("/ops/api/traces/00000000000000000000000000000000")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "traceId");
        var unknown = await operatorClient.GetJsonAsync("/ops/api/business?county=999999");
        Assert.False(unknown.GetProperty("available").GetBoolean());
        Assert.Contains("999999 is not known", unknown.GetProperty("error").GetString());

        // The services' internal endpoints are never forwarded by the gateway.
        using var forwarded = await operatorClient.GetAsync("/api/dispatch/ops/business");
        Assert.NotEqual(HttpStatusCode.OK, forwarded.StatusCode);
    }

    [Fact]
    public async Task The_login_form_sets_an_http_only_session_cookie_for_the_right_key_only()
    {
        var platform = await fixture.PlatformAsync();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var browser = new HttpClient(handler) { BaseAddress = new Uri(platform.GatewayUrl) };

        using var wrongKey = await browser.PostAsync("/ops/login", new FormUrlEncodedContent([new("key", "guess")]));
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        Assert.False(wrongKey.Headers.Contains("Set-Cookie"));
        using var noKey = await browser.PostAsync("/ops/login", new FormUrlEncodedContent([new("key", "")]));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);

        using var login = await browser.PostAsync("/ops/login", new FormUrlEncodedContent([new("key", DashboardAccess.OperatorKey)]));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/ops/dashboard", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(DashboardAccess.OperatorKey, cookie);

        using var page = new HttpRequestMessage(HttpMethod.Get, "/ops/api/services");
        page.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var answer = await browser.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        // A body that is no readable form is refused as such.
        using var noBoundary = new StringContent("--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nguess\r\n--x--\r\n");
        noBoundary.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");
        await (await browser.PostAsync("/ops/login", noBoundary)).ProblemAsync(HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task A_revoked_bootstrap_key_no_longer_opens_the_dashboard_nor_do_its_sessions()
    {
        var platform = await fixture.PlatformAsync();
        // A gateway of its own (database, virtual host) whose dashboard falls back on its bootstrap key,
        // so that revoking the key leaves the shared platform's alone.
        var bootstrapKey = ApiKeys.New();
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var environment = RunningPlatform.ServiceEnvironment("gateway", url, await fixture.CreateDatabaseAsync("gatewaydb"),
            fixture.AmqpUri(await fixture.CreateVirtualHostAsync()));
        foreach (var (name, value) in RunningPlatform.GatewaySettings)
        {
            environment[name] = value;
        }
        environment["Gateway__BootstrapOperatorKey"] = bootstrapKey;
        foreach (var service in new[] { "registry", "dispatch", "evaluation" })
        {
            environment[$"services__{service}__http__0"] = platform.Urls[service];
        }
        await using var gateway = TestProcesses.Start("gateway", "src/Gateway", environment);
        await gateway.WaitHealthyAsync(url, TimeSpan.FromSeconds(90));
        using var operatorClient = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bootstrapKey);
        await operatorClient.GetJsonAsync("/ops/api/integrations");
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var browser = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        using var login = await browser.PostAsync("/ops/login", new FormUrlEncodedContent([new("key", bootstrapKey)]));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var session = Assert.Single(login.Headers.GetValues("Set-Cookie")).Split(';')[0];
        Task<HttpResponseMessage> WithSessionAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/ops/api/integrations");
            request.Headers.Add("Cookie", session);
            return browser.SendAsync(request);
        }
        await (await WithSessionAsync()).OkAsync();

        // The operator made their own credentials and revokes the bootstrap one, as the guide says; the setting stays.
        var bootstrapClient = (await operatorClient.GetJsonAsync("/api/gateway/me")).GetProperty("clientId").GetGuid();
        await (await operatorClient.PostJsonAsync($"/api/gateway/clients/{bootstrapClient}/revoke")).OkAsync();

        var byKey = await (await operatorClient.GetAsync("/ops/api/integrations")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("revoked", byKey.GetProperty("detail").GetString());
        await (await WithSessionAsync()).ProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        using var again = await browser.PostAsync("/ops/login", new FormUrlEncodedContent([new("key", bootstrapKey)]));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.False(again.Headers.Contains("Set-Cookie"));
    }
}
