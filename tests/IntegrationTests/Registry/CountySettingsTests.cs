using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>A county's settings: defaults at registration, versioned changes, never effective in the past.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CountySettingsTests(PlatformFixture fixture)
{
    [Theory]
    [InlineData("５１９９３７")]
    [InlineData("٥١٩٩٣٧")]
    public async Task A_county_code_in_other_scripts_digits_is_a_400_on_code_and_registers_nothing(string code)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var written = await Outbox.WrittenAsync(platform);

        await (await client.PostJsonAsync("/api/registry/counties", new { code, name = "x", timeZone = "Asia/Shanghai" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "code");

        Assert.Equal(0, await platform.Fixture.QueryScalarAsync<long>(platform.Databases["registry"].Name, $"SELECT count(*) FROM counties WHERE code = '{code}'"));
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task A_new_county_has_the_default_settings_as_version_1_announced_by_an_event()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await using var events = await EventProbe<CountySettingsChanged>.StartAsync(platform);
        var county = await Counties.RegisterAsync(client, code);

        using var response = await client.GetAsync($"/api/registry/counties/{code}/settings");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        var settings = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, settings.GetProperty("version").GetInt32());
        Assert.Equal(2, settings.GetProperty("settings").GetProperty("reportingWeek").GetInt32());
        Assert.Equal("friday", settings.GetProperty("settings").GetProperty("themedDay").GetString());
        Assert.Equal(["simple", "ordinary", "complex"],
            settings.GetProperty("settings").GetProperty("sla").EnumerateArray().Select(t => t.GetProperty("tier").GetString()));
        var announced = await events.WaitForAsync(e => e.CountyId == county.GetProperty("id").GetGuid());
        Assert.Equal(1, announced.Version);
        Assert.Equal(24, announced.Settings.ClaimStartLimitHours);
    }

    [Fact]
    public async Task A_change_adds_a_version_publishes_it_and_keeps_the_old_one_readable()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        var countyId = (await Counties.RegisterAsync(client, code)).GetProperty("id").GetGuid();
        var settings = await CurrentSettingsAsync(client, code);
        settings["sla"]![1]!["completionHours"] = 48;
        await using var events = await EventProbe<CountySettingsChanged>.StartAsync(platform);

        using var changed = await PutAsync(client, code, new JsonObject { ["settings"] = settings }, ifMatch: "\"1\"");

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("\"2\"", changed.Headers.ETag?.Tag);
        var now = await CurrentSettingsAsync(client, code);
        Assert.Equal(48, now["sla"]![1]!["completionHours"]!.GetValue<int>());
        var first = await client.GetFromJsonAsync<JsonElement>($"/api/registry/counties/{code}/settings/versions/1");
        Assert.Equal(72, first.GetProperty("settings").GetProperty("sla")[1].GetProperty("completionHours").GetInt32());
        var versions = await client.GetFromJsonAsync<JsonElement>($"/api/registry/counties/{code}/settings/versions");
        Assert.Equal(2, versions.GetProperty("total").GetInt64());
        Assert.Equal(2, versions.GetProperty("items")[0].GetProperty("version").GetInt32());
        // Version 1 (written at registration) may still be on its way: wait for version 2.
        var announced = await events.WaitForAsync(e => e.CountyId == countyId && e.Version == 2);
        Assert.Equal(48, announced.Settings.Sla.Single(t => t.Tier == "ordinary").CompletionHours);
    }

    [Fact]
    public async Task A_version_scheduled_for_later_is_not_in_effect_until_then()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var settings = await CurrentSettingsAsync(client, code);
        settings["reportingWeek"] = 3;
        var from = DateTimeOffset.UtcNow.AddDays(10);

        using var changed = await PutAsync(client, code, new JsonObject { ["settings"] = settings, ["effectiveFrom"] = from });

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(2, (await CurrentSettingsAsync(client, code))["reportingWeek"]!.GetValue<int>());
        var later = await client.GetFromJsonAsync<JsonElement>(
            $"/api/registry/counties/{code}/settings?at={Uri.EscapeDataString(from.AddMinutes(1).ToString("O"))}");
        Assert.Equal(3, later.GetProperty("settings").GetProperty("reportingWeek").GetInt32());

        // The settings read now are version 1's, and their ETag is the newest version's: the one a PUT follows.
        using var current = await client.GetAsync($"/api/registry/counties/{code}/settings");
        Assert.Equal(1, (await current.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        Assert.Equal("\"2\"", current.Headers.ETag?.Tag);
        settings["reportingWeek"] = 4;
        using var following = await PutAsync(client, code, new JsonObject { ["settings"] = settings.DeepClone(), ["effectiveFrom"] = from.AddDays(1) }, ifMatch: current.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, following.StatusCode);
    }

    [Fact]
    public async Task A_version_scheduled_for_later_can_be_withdrawn_before_it_takes_effect_and_never_is_in_effect()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        var otherCode = Counties.NewCode();
        var countyId = (await Counties.RegisterAsync(client, code)).GetProperty("id").GetGuid();
        await Counties.RegisterAsync(client, otherCode);
        var settings = await CurrentSettingsAsync(client, code);
        settings["reportingWeek"] = 3;
        var from = DateTimeOffset.UtcNow.AddDays(10);
        using var scheduled = await PutAsync(client, code, new JsonObject { ["settings"] = settings.DeepClone(), ["effectiveFrom"] = from });
        Assert.Equal(HttpStatusCode.OK, scheduled.StatusCode);
        var versionsPath = $"/api/registry/counties/{code}/settings/versions";

        // Another county has no version 2 to withdraw, and this county's stays as it was.
        await (await client.PostAsync($"/api/registry/counties/{otherCode}/settings/versions/2/withdraw", null)).ProblemAsync(HttpStatusCode.NotFound, "settings_version_not_found");
        Assert.Equal(JsonValueKind.Null, (await client.GetJsonAsync($"{versionsPath}/2")).GetProperty("withdrawnAt").ValueKind);

        await using var events = await EventProbe<CountySettingsChanged>.StartAsync(platform);
        using var withdrawn = await client.PostAsync($"{versionsPath}/2/withdraw", null);
        var version = await withdrawn.OkAsync();
        Assert.Equal(2, version.GetProperty("version").GetInt32());
        Assert.Equal(JsonValueKind.String, version.GetProperty("withdrawnAt").ValueKind);
        Assert.Equal("\"2\"", withdrawn.Headers.ETag?.Tag);

        // Never in effect: the moment it would have taken effect still has version 1; the version stays listed, marked.
        var later = await client.GetJsonAsync($"/api/registry/counties/{code}/settings?at={Uri.EscapeDataString(from.AddMinutes(1).ToString("O"))}");
        Assert.Equal(1, later.GetProperty("version").GetInt32());
        Assert.Equal(2, later.GetProperty("settings").GetProperty("reportingWeek").GetInt32());
        var versions = await client.GetJsonAsync(versionsPath);
        Assert.Equal(2, versions.GetProperty("total").GetInt64());
        Assert.Equal(JsonValueKind.String, versions.GetProperty("items")[0].GetProperty("withdrawnAt").ValueKind);
        // The version's first announcement (when it was scheduled) may still be on its way: wait for the withdrawal's.
        var announced = await events.WaitForAsync(e => e.CountyId == countyId && e.Version == 2 && e.WithdrawnAt is not null);
        Assert.NotNull(announced.WithdrawnAt);
        Assert.Equal(from, announced.EffectiveFrom, TimeSpan.FromMilliseconds(1));

        // What cannot be withdrawn: a version withdrawn already, one in effect, one that does not exist. Nothing is announced.
        var written = await Outbox.WrittenAsync(platform);
        await (await client.PostAsync($"{versionsPath}/2/withdraw", null)).ProblemAsync(HttpStatusCode.Conflict, "settings_version_withdrawn");
        await (await client.PostAsync($"{versionsPath}/1/withdraw", null)).ProblemAsync(HttpStatusCode.Conflict, "settings_version_in_effect");
        await (await client.PostAsync($"{versionsPath}/9/withdraw", null)).ProblemAsync(HttpStatusCode.NotFound, "settings_version_not_found");
        Assert.Equal(written, await Outbox.WrittenAsync(platform));

        // The next version takes the next number, and may take effect before the withdrawn one would have.
        settings["reportingWeek"] = 4;
        using var next = await PutAsync(client, code, new JsonObject { ["settings"] = settings.DeepClone(), ["effectiveFrom"] = from.AddDays(-5) }, ifMatch: "\"2\"");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("\"3\"", next.Headers.ETag?.Tag);
        var atNext = await client.GetJsonAsync($"/api/registry/counties/{code}/settings?at={Uri.EscapeDataString(from.AddMinutes(1).ToString("O"))}");
        Assert.Equal(3, atNext.GetProperty("version").GetInt32());

        // A version about to take effect (within the notice) is too late to withdraw.
        var soonCode = Counties.NewCode();
        await Counties.RegisterAsync(client, soonCode);
        using var soon = await PutAsync(client, soonCode, new JsonObject { ["settings"] = settings.DeepClone(), ["effectiveFrom"] = DateTimeOffset.UtcNow.AddMinutes(2) });
        Assert.Equal(HttpStatusCode.OK, soon.StatusCode);
        await (await client.PostAsync($"/api/registry/counties/{soonCode}/settings/versions/2/withdraw", null)).ProblemAsync(HttpStatusCode.Conflict, "settings_version_in_effect");
    }

    [Fact]
    public async Task A_stale_If_Match_is_refused_with_412_and_nothing_is_written()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var settings = await CurrentSettingsAsync(client, code);
        using var first = await PutAsync(client, code, new JsonObject { ["settings"] = settings.DeepClone() }, ifMatch: "\"1\"");

        var written = await Outbox.WrittenAsync(platform);
        using var stale = await PutAsync(client, code, new JsonObject { ["settings"] = settings.DeepClone() }, ifMatch: "\"1\"");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("precondition_failed", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    public static TheoryData<string, string> InvalidChanges => new()
    {
        { "settings-missing", "settings" },
        { "tier-missing", "settings.sla" },
        { "completion-before-response", "settings.sla[0].completionHours" },
        { "week-out-of-range", "settings.reportingWeek" },
        { "rule-code-repeated", "settings.pointsRules[1].code" },
        { "rule-description-too-long", "settings.pointsRules[0].description" },
        { "satisfaction-scale-missing", "settings.ratingScales" },
        { "effective-in-the-past", "effectiveFrom" },
        // Left out, these would read as Sunday, 0 % and 0 points, values a county could mean.
        { "themed-day-missing", "settings.themedDay" },
        { "coverage-threshold-missing", "settings.coverageThresholdPercent" },
        { "rule-points-missing", "settings.pointsRules[0].points" },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task An_invalid_change_is_a_400_naming_the_field_and_writes_nothing(string change, string field)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var settings = await CurrentSettingsAsync(client, code);
        var written = await Outbox.WrittenAsync(platform);
        var body = new JsonObject { ["settings"] = settings };
        switch (change)
        {
            case "settings-missing": body.Remove("settings"); break;
            case "tier-missing": settings["sla"]!.AsArray().RemoveAt(2); break;
            case "completion-before-response": settings["sla"]![0]!["completionHours"] = 1; settings["sla"]![0]!["responseHours"] = 5; break;
            case "week-out-of-range": settings["reportingWeek"] = 7; break;
            case "rule-code-repeated": settings["pointsRules"]![1]!["code"] = settings["pointsRules"]![0]!["code"]!.GetValue<string>(); break;
            case "rule-description-too-long": settings["pointsRules"]![0]!["description"] = new string('分', 201); break;
            case "satisfaction-scale-missing": settings["ratingScales"]!.AsArray().RemoveAt(0); break;
            case "effective-in-the-past": body["effectiveFrom"] = DateTimeOffset.UtcNow.AddDays(-1); break;
            case "themed-day-missing": settings.AsObject().Remove("themedDay"); break;
            case "coverage-threshold-missing": settings.AsObject().Remove("coverageThresholdPercent"); break;
            case "rule-points-missing": settings["pointsRules"]![0]!.AsObject().Remove("points"); break;
        }

        using var response = await PutAsync(client, code, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        var versions = await client.GetFromJsonAsync<JsonElement>($"/api/registry/counties/{code}/settings/versions");
        Assert.Equal(1, versions.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task One_countys_change_never_reaches_another_county()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var codeA = Counties.NewCode();
        var codeB = Counties.NewCode();
        await Counties.RegisterAsync(client, codeA);
        await Counties.RegisterAsync(client, codeB);
        var settings = await CurrentSettingsAsync(client, codeA);
        settings["claimStartLimitHours"] = 6;

        using var changed = await PutAsync(client, codeA, new JsonObject { ["settings"] = settings });
        using var missing = await client.GetAsync($"/api/registry/counties/{codeB}/settings/versions/2");

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(24, (await CurrentSettingsAsync(client, codeB))["claimStartLimitHours"]!.GetValue<int>());
        using var unknownCounty = await client.GetAsync("/api/registry/counties/000000/settings");
        Assert.Equal(HttpStatusCode.NotFound, unknownCounty.StatusCode);
    }

    private static async Task<JsonNode> CurrentSettingsAsync(HttpClient client, string code)
    {
        var current = await client.GetFromJsonAsync<JsonNode>($"/api/registry/counties/{code}/settings");
        return current!["settings"]!.DeepClone();
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string code, JsonObject body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/registry/counties/{code}/settings") { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return client.SendAsync(request);
    }
}
