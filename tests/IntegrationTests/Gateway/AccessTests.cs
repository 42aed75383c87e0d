using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;
using Platform.ServiceDefaults.Auth;

namespace Platform.IntegrationTests.Gateway;

/// <summary>Credentials bound to counties, scopes, roles, rotation and revocation, through the running gateway.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AccessTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_key_of_county_A_neither_reads_nor_writes_county_B_in_any_service()
    {
        var platform = await fixture.PlatformAsync();
        var a = await GatewayClients.CountyAsync(platform);
        var b = await GatewayClients.CountyAsync(platform);
        var key = await GatewayClients.CreateAsync(platform, a);
        using var client = platform.GatewayAs(key.Key);

        // Its own county answers in every service.
        await client.GetJsonAsync($"/api/registry/counties/{a}/areas");
        await client.GetJsonAsync($"/api/dispatch/counties/{a}/requests");
        await client.GetJsonAsync($"/api/evaluation/counties/{a}");
        await client.GetJsonAsync($"/api/gateway/counties/{a}/webhooks");

        // County B does not exist for it: reads and writes alike, in every service and at the gateway.
        await (await client.GetAsync($"/api/registry/counties/{b}/areas")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.PostJsonAsync($"/api/registry/counties/{b}/areas", new { code = "S1", name = "城关街道", level = "street" }))
            .ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.GetAsync($"/api/registry/counties/{b}")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.GetAsync($"/api/dispatch/counties/{b}/requests")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.PostJsonAsync($"/api/dispatch/counties/{b}/requests", new { category = "other", description = "x", communityId = Guid.NewGuid(), channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.GetAsync($"/api/dispatch/counties/{b}/activities")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.GetAsync($"/api/evaluation/counties/{b}")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.GetAsync($"/api/gateway/counties/{b}/webhooks")).ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        await (await client.PostJsonAsync($"/api/gateway/counties/{b}/webhooks", new { url = "http://127.0.0.1:1/hook", eventTypes = new[] { "request.placed" } }))
            .ProblemAsync(HttpStatusCode.NotFound, "county_not_found");
        // Nor may it register counties or manage credentials.
        await (await client.PostJsonAsync("/api/registry/counties", new { code = Counties.NewCode(), name = "越权县" }))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);
        await (await client.GetAsync("/api/gateway/clients")).ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task A_key_of_county_A_lists_county_A_alone_in_every_service_and_an_operators_lists_both()
    {
        var platform = await fixture.PlatformAsync();
        var a = await GatewayClients.CountyAsync(platform);
        var b = await GatewayClients.CountyAsync(platform);
        using var county = platform.GatewayAs((await GatewayClients.CreateAsync(platform, a)).Key);
        using var webhooksOnly = platform.GatewayAs((await GatewayClients.CreateAsync(platform, a, scopes: [PlatformScopes.Webhooks])).Key);
        using var operatorClient = platform.Gateway();

        foreach (var service in new[] { "registry", "dispatch", "evaluation", "gateway" })
        {
            Assert.Equal([a], await ListedCodesAsync(county, service));
            var all = await ListedCodesAsync(operatorClient, service);
            Assert.Contains(a, all);
            Assert.Contains(b, all);
        }
        // A key holding no scope of the service's own sees no more of the directory.
        foreach (var service in new[] { "dispatch", "gateway" })
        {
            Assert.Equal([a], await ListedCodesAsync(webhooksOnly, service));
        }
    }

    /// <summary>Every code of a service's county list, page by page; the shape of each page checked on the way.</summary>
    private static async Task<List<string>> ListedCodesAsync(HttpClient client, string service)
    {
        var codes = new List<string>();
        for (var page = 1; ; page++)
        {
            var answer = await client.GetJsonAsync($"/api/{service}/counties?page={page}&pageSize=200");
            Assert.Equal(page, answer.GetProperty("page").GetInt32());
            var items = answer.GetProperty("items").EnumerateArray().ToList();
            codes.AddRange(items.Select(c => c.GetProperty("code").GetString()!));
            if (items.Count < 200)
            {
                Assert.Equal(codes.Count, answer.GetProperty("total").GetInt64());
                return codes;
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_revoked_key_or_client_is_refused_at_once(bool withIdempotencyKeys)
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        var integrator = await GatewayClients.CreateAsync(platform, county);
        using var client = platform.GatewayAs(integrator.Key);
        // With a key, the revocation commits only when the answer is stored: it must count by the time the answer arrives.
        using var admin = withIdempotencyKeys ? platform.Gateway(new FreshIdempotencyKeys()) : platform.Gateway();
        await client.GetJsonAsync($"/api/registry/counties/{county}/areas");

        var revoked = await (await admin.PostJsonAsync($"/api/gateway/clients/{integrator.Id}/keys/{integrator.KeyId}/revoke")).OkAsync();

        Assert.Equal("revoked", revoked.GetProperty("keys")[0].GetProperty("status").GetString());
        var problem = await (await client.GetAsync($"/api/registry/counties/{county}/areas")).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.InvalidCredential);
        Assert.Contains("revoked", problem.GetProperty("detail").GetString());

        // Revoking the client refuses every key it has, the newest too.
        var other = await GatewayClients.CreateAsync(platform, county);
        var rotated = await (await admin.PostJsonAsync($"/api/gateway/clients/{other.Id}/keys", new { overlapSeconds = 3600 })).OkAsync(HttpStatusCode.Created);
        using var newest = platform.GatewayAs(rotated.GetProperty("key").GetString());
        await newest.GetJsonAsync($"/api/dispatch/counties/{county}/requests");
        await (await admin.PostJsonAsync($"/api/gateway/clients/{other.Id}/revoke")).OkAsync();
        await (await newest.GetAsync($"/api/dispatch/counties/{county}/requests")).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.InvalidCredential);
        using var oldest = platform.GatewayAs(other.Key);
        await (await oldest.GetAsync($"/api/dispatch/counties/{county}/requests")).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task A_revoked_client_can_no_longer_be_changed()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        var integrator = await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read"], roles: ["resident"]);
        using var admin = platform.Gateway();
        await (await admin.PostJsonAsync($"/api/gateway/clients/{integrator.Id}/revoke")).OkAsync();

        await (await admin.PutJsonAsync($"/api/gateway/clients/{integrator.Id}", new { name = "改名", scopes = GatewayClients.CountyScopes, roles = new[] { "community_officer" } }))
            .ProblemAsync(HttpStatusCode.Conflict, "client_revoked");
        await (await admin.PostJsonAsync($"/api/gateway/clients/{integrator.Id}/keys", new { overlapSeconds = 0 }))
            .ProblemAsync(HttpStatusCode.Conflict, "client_revoked");

        var stored = await GatewayClients.GetAsync(platform, integrator.Id);
        Assert.Equal("测试客户端 " + county, stored.GetProperty("name").GetString());
        Assert.Equal(["requests:read"], stored.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["resident"], stored.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_rotated_key_keeps_working_for_the_overlap_and_then_stops()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        var integrator = await GatewayClients.CreateAsync(platform, county);
        using var admin = platform.Gateway();

        var rotated = await (await admin.PostJsonAsync($"/api/gateway/clients/{integrator.Id}/keys", new { overlapSeconds = 3 })).OkAsync(HttpStatusCode.Created);

        var newKey = rotated.GetProperty("key").GetString()!;
        Assert.NotEqual(integrator.Key, newKey);
        Assert.StartsWith("gwk_", newKey);
        var keys = rotated.GetProperty("client").GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["expiring", "active"], keys.Select(k => k.GetProperty("status").GetString()));
        using var old = platform.GatewayAs(integrator.Key);
        using var fresh = platform.GatewayAs(newKey);
        await old.GetJsonAsync($"/api/registry/counties/{county}/areas");
        await fresh.GetJsonAsync($"/api/registry/counties/{county}/areas");

        await Poll.UntilAsync(async () => (await old.GetAsync($"/api/registry/counties/{county}/areas")).StatusCode,
            status => status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(15), "the replaced key to stop working after the overlap");
        await fresh.GetJsonAsync($"/api/registry/counties/{county}/areas");
        // The key itself is never shown again, only its prefix.
        var stored = await GatewayClients.GetAsync(platform, integrator.Id);
        Assert.DoesNotContain(newKey, stored.ToString());
        Assert.Equal(newKey[..12], stored.GetProperty("keys")[1].GetProperty("prefix").GetString());
    }

    [Fact]
    public async Task Key_and_client_commands_honour_If_Match_and_answer_the_new_ETag()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        var integrator = await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read"]);
        using var admin = platform.Gateway();
        using var client = platform.GatewayAs(integrator.Key);
        var path = $"/api/gateway/clients/{integrator.Id}";
        using var read = await admin.GetAsync(path);
        var current = read.Headers.ETag!.Tag;

        // A stale tag issues no key; the current one does, and the answer gives the client's next tag.
        await (await admin.PostJsonAsync($"{path}/keys", new { overlapSeconds = 3600 }, ifMatch: "\"99\""))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Single((await admin.GetJsonAsync(path)).GetProperty("keys").EnumerateArray());
        using var rotated = await admin.PostJsonAsync($"{path}/keys", new { overlapSeconds = 3600 }, ifMatch: current);
        var rotatedVersion = (await rotated.OkAsync(HttpStatusCode.Created)).GetProperty("client").GetProperty("version").GetInt32();
        Assert.Equal($"\"{rotatedVersion}\"", rotated.Headers.ETag?.Tag);
        Assert.NotEqual(current, rotated.Headers.ETag!.Tag);

        // Revoking a key with the tag the rotation replaced leaves the key working.
        await (await admin.PostJsonAsync($"{path}/keys/{integrator.KeyId}/revoke", ifMatch: current))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        await client.GetJsonAsync($"/api/dispatch/counties/{county}/requests");
        using var keyRevoked = await admin.PostJsonAsync($"{path}/keys/{integrator.KeyId}/revoke", ifMatch: rotated.Headers.ETag.Tag);
        var keyRevokedVersion = (await keyRevoked.OkAsync()).GetProperty("version").GetInt32();
        Assert.Equal($"\"{keyRevokedVersion}\"", keyRevoked.Headers.ETag?.Tag);
        Assert.True(keyRevokedVersion > rotatedVersion);

        // So for the whole client: a stale tag leaves it as it was.
        await (await admin.PostJsonAsync($"{path}/revoke", ifMatch: rotated.Headers.ETag.Tag))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Equal(JsonValueKind.Null, (await admin.GetJsonAsync(path)).GetProperty("revokedAt").ValueKind);
        using var clientRevoked = await admin.PostJsonAsync($"{path}/revoke", ifMatch: keyRevoked.Headers.ETag!.Tag);
        var revoked = await clientRevoked.OkAsync();
        Assert.Equal(JsonValueKind.String, revoked.GetProperty("revokedAt").ValueKind);
        Assert.Equal($"\"{revoked.GetProperty("version").GetInt32()}\"", clientRevoked.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Scopes_gate_each_endpoint_group()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        var reader = await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read"]);
        using var client = platform.GatewayAs(reader.Key);

        await client.GetJsonAsync($"/api/dispatch/counties/{county}/requests");
        var refused = await (await client.PostJsonAsync($"/api/dispatch/counties/{county}/requests", new { category = "other" }))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);
        Assert.Contains("requests:write", refused.GetProperty("detail").GetString());
        await (await client.GetAsync($"/api/dispatch/counties/{county}/activities")).ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);
        await (await client.GetAsync($"/api/registry/counties/{county}/areas")).ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);
        await (await client.GetAsync($"/api/evaluation/counties/{county}")).ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);
        await (await client.GetAsync($"/api/gateway/counties/{county}/webhooks")).ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.InsufficientScope);

        // A county's client can never hold the operators' scopes.
        using var admin = platform.Gateway();
        await (await admin.PostJsonAsync("/api/gateway/clients", new { name = "越权", county, scopes = new[] { "admin" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "scopes");
        await (await admin.PostJsonAsync("/api/gateway/clients", new { name = "未知", county = "999999", scopes = new[] { "requests:read" } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "county");
    }

    [Fact]
    public async Task A_null_or_empty_scope_or_role_is_refused_naming_the_entry()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        using var admin = platform.Gateway();
        var name = "空条目 " + county;

        // A null entry is not a scope nor a role: stored, it would make every call with the client's keys fail.
        await (await admin.PostJsonAsync("/api/gateway/clients", new { name, county, scopes = new[] { "requests:read", null } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "scopes[1]");
        await (await admin.PostJsonAsync("/api/gateway/clients", new { name, county, scopes = new[] { "" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "scopes[0]");
        await (await admin.PostJsonAsync("/api/gateway/clients", new { name, county, scopes = new[] { "requests:read" }, roles = new[] { null, "resident" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "roles[0]");
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(platform.Databases["gateway"].Name,
            $"SELECT count(*) FROM api_clients WHERE name = '{name}'"));

        // Nor may a change bring one in.
        var integrator = await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read"], roles: ["resident"]);
        await (await admin.PutJsonAsync($"/api/gateway/clients/{integrator.Id}", new { name, scopes = new[] { "requests:read", null }, roles = new[] { "resident", " " } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "roles[1]");
        using var client = platform.GatewayAs(integrator.Key);
        await client.GetJsonAsync($"/api/dispatch/counties/{county}/requests");
        Assert.Equal(["requests:read"], (await GatewayClients.GetAsync(platform, integrator.Id)).GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Roles_of_the_person_acted_for_gate_the_commands()
    {
        var platform = await fixture.PlatformAsync();
        var county = await DispatchSeed.CountyAsync(platform);
        await GatewayClients.KnownAsync(platform, county.Code);
        var app = await GatewayClients.CreateAsync(platform, county.Code, roles: ["resident", "community_officer", "member"]);
        using var client = platform.GatewayAs(app.Key);
        var steps = new RequestSteps(client, county);
        var member = county.Members[0].Id;

        var id = (await steps.PlaceAsync()).Id();
        // Acting for nobody in particular, a county's client has no role.
        var nobody = await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "member", memberId = member }))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed, "X-Actor-Role");
        Assert.Contains("X-Actor-Role", nobody.GetProperty("detail").GetString());
        // A resident does not dispatch.
        await (await SendAsync(client, county.Path($"requests/{id}/dispatch"), new { tier = "ordinary", mode = "member", memberId = member }, "resident"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed, "X-Actor-Role");
        // A role the client may not act for is refused at the gateway; an unknown one is bad input.
        await (await SendAsync(client, county.Path($"requests/{id}/dispatch"), new { tier = "ordinary", mode = "member", memberId = member }, "street_officer"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed, "X-Actor-Role");
        await (await SendAsync(client, county.Path($"requests/{id}/dispatch"), new { }, "mayor"))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "X-Actor-Role");
        // A name must be percent-encoded UTF-8: a stray % or bytes that are not UTF-8 are refused, not stored as typed.
        foreach (var badName in new[] { "%ZZ", "%E7%8E", "100%" })
        {
            using var raw = new HttpRequestMessage(HttpMethod.Post, county.Path($"requests/{id}/dispatch")) { Content = System.Net.Http.Json.JsonContent.Create(new { }) };
            raw.Headers.Add("X-Actor-Role", "community_officer");
            raw.Headers.TryAddWithoutValidation("X-Actor-Name", badName);
            await (await client.SendAsync(raw)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "X-Actor-Name");
        }

        // The community officer dispatches; the member accepts, starts and completes; the resident rates.
        await (await SendAsync(client, county.Path($"requests/{id}/dispatch"), new { tier = "ordinary", mode = "member", memberId = member }, "community_officer", "王书记"))
            .OkAsync();
        await (await SendAsync(client, county.Path($"requests/{id}/accept"), new { memberId = member }, "community_officer"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed);
        await (await SendAsync(client, county.Path($"requests/{id}/accept"), new { memberId = member }, "member")).OkAsync();
        await (await SendAsync(client, county.Path($"requests/{id}/start"), new { memberId = member }, "member")).OkAsync();
        await (await SendAsync(client, county.Path($"requests/{id}/complete"), new { memberId = member, result = "已修好" }, "member")).OkAsync();
        await (await SendAsync(client, county.Path($"requests/{id}/rate"), new { satisfaction = "satisfied" }, "member"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed);
        await (await SendAsync(client, county.Path($"requests/{id}/rate"), new { satisfaction = "satisfied" }, "resident", "李阿姨")).OkAsync();

        // The history names who acted, from the token the gateway made of the headers.
        var history = (await client.GetJsonAsync(county.Path($"requests/{id}/history"))).EnumerateArray().ToList();
        var dispatch = history.Single(e => e.GetProperty("action").GetString() == "dispatch");
        Assert.Equal("community_officer", dispatch.GetProperty("actorRole").GetString());
        Assert.Equal("王书记", dispatch.GetProperty("actorName").GetString());
        Assert.Equal("resident", history.Single(e => e.GetProperty("action").GetString() == "rate").GetProperty("actorRole").GetString());

        // The operator acting for a named member is that member only.
        using var operatorClient = platform.Gateway();
        var second = (await new RequestSteps(operatorClient, county).PlaceAsync()).Id();
        await (await SendAsync(operatorClient, county.Path($"requests/{second}/dispatch"), new { tier = "ordinary", mode = "pool" }, "member"))
            .ProblemAsync(HttpStatusCode.Forbidden, AccessProblemCodes.RoleNotAllowed);
    }

    [Fact]
    public async Task An_actor_name_whose_escapes_stand_for_control_characters_is_refused_not_forwarded()
    {
        var platform = await fixture.PlatformAsync();
        var county = await DispatchSeed.CountyAsync(platform);
        await GatewayClients.KnownAsync(platform, county.Code);
        var app = await GatewayClients.CreateAsync(platform, county.Code, roles: ["resident"]);
        using var client = platform.GatewayAs(app.Key);
        var body = new
        {
            category = "livelihood", description = "楼道灯坏了", communityId = county.Community1.Id, gridId = county.Grid1.Id,
            residentName = "李阿姨", residentPhone = "13812345678", channel = "hotline",
        };
        HttpRequestMessage Place(string name)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, county.Path("requests")) { Content = System.Net.Http.Json.JsonContent.Create(body) };
            request.Headers.Add("X-Actor-Role", "resident");
            request.Headers.TryAddWithoutValidation("X-Actor-Name", name);
            return request;
        }

        // The header is visible ASCII, but NUL (which PostgreSQL's text cannot store), a line break, ESC, DEL
        // or a C1 control is no name: refused at the gateway rather than written into the request's history.
        foreach (var name in new[] { "%00", "%E6%9D%8E%00", "%0A", "%1B", "%7F", "%C2%85" })
        {
            using var place = Place(name);
            var refused = await (await client.SendAsync(place)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "X-Actor-Name");
            Assert.Contains("control characters", refused.GetProperty("errors").GetProperty("X-Actor-Name")[0].GetString());
        }
        using var me = new HttpRequestMessage(HttpMethod.Get, "/api/gateway/me");
        me.Headers.TryAddWithoutValidation("X-Actor-Name", "%00");
        await (await client.SendAsync(me)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "X-Actor-Name");

        using var named = Place(Uri.EscapeDataString("李阿姨"));
        var id = (await (await client.SendAsync(named)).OkAsync(HttpStatusCode.Created)).Id();
        var history = await client.GetJsonAsync(county.Path($"requests/{id}/history"));
        Assert.Equal("李阿姨", history[0].GetProperty("actorName").GetString());
    }

    [Fact]
    public async Task A_service_called_without_the_gateways_token_answers_401()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        foreach (var (service, path) in new[]
        {
            ("registry", $"/api/registry/counties/{county}/areas"),
            ("dispatch", $"/api/dispatch/counties/{county}/requests"),
            ("evaluation", $"/api/evaluation/counties/{county}"),
        })
        {
            using var direct = new HttpClient { BaseAddress = new Uri(platform.Urls[service]) };
            await (await direct.GetAsync(path)).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.AuthenticationRequired);
            // An API key means nothing to a service; nor does a token signed with another key.
            direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestCredentials.OperatorKey);
            await (await direct.GetAsync(path)).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.InvalidCredential);
            direct.DefaultRequestHeaders.Authorization = null;
            using (var forged = new HttpRequestMessage(HttpMethod.Get, path))
            {
                forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ForgedToken());
                await (await direct.SendAsync(forged)).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.InvalidCredential);
            }
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("/alive")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync("/openapi/v1.json")).StatusCode);
            // With the token the gateway would forward, the service answers.
            direct.DefaultRequestHeaders.Authorization = TestCredentials.ServiceToken();
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync(path)).StatusCode);
        }

        // At the gateway: no key, an unknown key.
        using var anonymous = platform.GatewayAs(null);
        await (await anonymous.GetAsync($"/api/registry/counties/{county}/areas")).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.AuthenticationRequired);
        using var unknown = platform.GatewayAs("gwk_unknown0_" + new string('x', 43));
        await (await unknown.GetAsync($"/api/registry/counties/{county}/areas")).ProblemAsync(HttpStatusCode.Unauthorized, AccessProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task A_new_key_is_shown_once_even_to_a_retry_with_the_same_idempotency_key()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        using var admin = platform.Gateway();
        var body = new { name = "热线系统", county, scopes = new[] { "requests:read" } };
        var idempotencyKey = Guid.NewGuid().ToString();

        using var first = await PostWithKeyAsync(admin, "/api/gateway/clients", body, idempotencyKey);
        using var retry = await PostWithKeyAsync(admin, "/api/gateway/clients", body, idempotencyKey);
        using var other = await PostWithKeyAsync(admin, "/api/gateway/clients", new { name = "另一个", county, scopes = new[] { "requests:read" } }, idempotencyKey);

        var created = await first.OkAsync(HttpStatusCode.Created);
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Empty(await retry.Content.ReadAsStringAsync());
        await other.ProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        // One client was made, and its key never left the first answer.
        var key = created.GetProperty("key").GetString()!;
        var stored = await fixture.QueryScalarAsync<long>(platform.Databases["gateway"].Name,
            $"SELECT count(*) FROM idempotency_records WHERE position('{key}' in convert_from(body, 'UTF8')) > 0");
        Assert.Equal(0, stored);
        Assert.Equal(1, await fixture.QueryScalarAsync<long>(platform.Databases["gateway"].Name,
            $"SELECT count(*) FROM api_clients WHERE county_code = '{county}' AND name = '热线系统'"));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, object body, string role, string? name = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("X-Actor-Role", role);
        if (name is not null)
        {
            request.Headers.Add("X-Actor-Name", Uri.EscapeDataString(name));
        }
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string path, object body, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    private static string ForgedToken()
    {
        var issuer = new PlatformTokenIssuer(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(PlatformTokens.NewSigningKey())),
            TimeProvider.System, TimeSpan.FromMinutes(5));
        return issuer.Issue(TestCredentials.Operator).Token;
    }
}
