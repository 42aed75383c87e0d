using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests;

/// <summary>Bad input to the county endpoint: a problem naming the field, and nothing written.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CountyValidationTests(PlatformFixture fixture)
{
    public static TheoryData<string, string, string> InvalidBodies => new()
    {
        { "{}", "validation_failed", "code" },
        { """{"code":"511621"}""", "validation_failed", "name" },
        { """{"code":"51162","name":"岳池县"}""", "validation_failed", "code" },
        { """{"code":"5116210","name":"岳池县"}""", "validation_failed", "code" },
        { """{"code":"000000","name":"岳池县"}""", "validation_failed", "code" },
        { """{"code":"001621","name":"岳池县"}""", "validation_failed", "code" },
        { """{"code":"101621","name":"岳池县"}""", "validation_failed", "code" },
        { """{"code":"991621","name":"岳池县"}""", "validation_failed", "code" },
        { """{"code":"511621","name":"   "}""", "validation_failed", "name" },
        { $$"""{"code":"511621","name":"{{new string('县', 101)}}"}""", "validation_failed", "name" },
        { """{"code":"511621","name":"岳池县","timeZone":"Mars/Olympus"}""", "validation_failed", "timeZone" },
        { """{"code":"511621","name":"岳池县""", "malformed_json", "" },
        { """{"code":511621,"name":"岳池县"}""", "malformed_json", "code" },
        { """{"code":"511621","name":"岳池县","colour":"red"}""", "malformed_json", "colour" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_registration_is_refused_with_the_field_named_and_nothing_written(string body, string code, string field)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var before = await CountRowsAsync(platform);

        using var response = await client.PostAsync("/api/registry/counties", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (code == "validation_failed")
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var rules), problem.ToString());
            Assert.Contains(field, rules[0].GetString());
        }
        else if (field.Length > 0)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
        Assert.Equal(before, await CountRowsAsync(platform));
    }

    [Fact]
    public async Task A_duplicate_code_is_a_409_conflict_and_writes_no_second_event()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var before = await CountRowsAsync(platform);

        using var response = await client.PostAsJsonAsync("/api/registry/counties", new { code, name = "另一个县" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("county_code_taken", problem.GetProperty("code").GetString());
        Assert.Equal("code", problem.GetProperty("field").GetString());
        Assert.Equal(before, await CountRowsAsync(platform));
        var name = await fixture.QueryScalarAsync<string>(platform.Databases["registry"].Name, $"SELECT name FROM counties WHERE code = '{code}'");
        Assert.Equal("岳池县", name);
    }

    [Fact]
    public async Task A_body_over_the_gateway_limit_is_refused_with_413()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var body = $$"""{"code":"511621","name":"{{new string('x', 100_000)}}"}""";

        using var response = await client.PostAsync("/api/registry/counties", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    /// <summary>Counties plus every outbox row ever written (the identity never goes back), so a refused write shows.</summary>
    private Task<long> CountRowsAsync(RunningPlatform platform) =>
        fixture.QueryScalarAsync<long>(platform.Databases["registry"].Name,
            "SELECT (SELECT count(*) FROM counties) + COALESCE((SELECT last_value FROM outbox_messages_id_seq WHERE is_called), 0)");
}
