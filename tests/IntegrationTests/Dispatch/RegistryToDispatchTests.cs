using System.Net;
using Platform.DemoCounty;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>End to end from Registry: a county imported through Registry's API is what Dispatch places, matches and dispatches against.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RegistryToDispatchTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_request_is_placed_matched_and_claimed_against_the_copies_Dispatch_keeps_of_Registrys_records()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        var loader = new DemoCountyLoader(client);
        await loader.EnsureCountyAsync(code, "端到端县" + code);
        await loader.ImportAsync(code, "areas", "code,name,level,parent_code\nS01,城关街道,street,\nC01,东门社区,community,S01\nG01,东门第一网格,grid,C01\n");
        await loader.ImportAsync(code, "organisations", "code,name,kind,area_code\nU01,县财政局机关党支部,government_unit,\n");
        var imported = await loader.ImportAsync(code, "members",
            "code,name,phone,unit_code,community_code,grid_code,skills,intentions,availability,demonstration_household,grid_role\n" +
            "M01,张伟,13800000001,U01,C01,G01,水电维修,志愿服务,sat 09:00-12:00,否,reporting\n");
        Assert.True(imported.GetProperty("created").GetInt32() == 1, imported.ToString());
        await loader.ImportAsync(code, "pairings", "unit_code,community_code,grid_codes,starts_on,ends_on\nU01,C01,G01,2025-01-01,\n");

        var database = platform.Databases["dispatch"].Name;
        var countyId = await platform.Fixture.QueryScalarAsync<Guid>(database, $"SELECT id FROM counties WHERE code = '{code}'");
        try
        {
            await Poll.UntilAsync(
                () => platform.Fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM registry_members WHERE county_id = '{countyId}'"),
                n => n == 1, TimeSpan.FromSeconds(30), "Dispatch to copy the county's member");
        }
        catch (TimeoutException exception)
        {
            var areas = await platform.Fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM registry_areas WHERE county_id = '{countyId}'");
            var all = await platform.Fixture.QueryScalarAsync<string>(database, "SELECT string_agg(county_id::text, ',') FROM registry_members") + " counties: " + await platform.Fixture.QueryScalarAsync<string>(database, "SELECT string_agg(id::text || '=' || code, ',') FROM counties");
            var outbox = await platform.Fixture.QueryScalarAsync<long>(platform.Databases["registry"].Name, "SELECT count(*) FROM outbox_messages");
            var regMembers = await platform.Fixture.QueryScalarAsync<long>(platform.Databases["registry"].Name, "SELECT count(*) FROM members");
            throw new TimeoutException($"{exception.Message} areas={areas} allMembers={all} registryOutbox={outbox} registryMembers={regMembers}\n" + platform.RecentOutput("dispatch") + "\n" + platform.RecentOutput("registry"), exception);
        }
        await Poll.UntilAsync(
            () => platform.Fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM registry_pairings WHERE county_id = '{countyId}'"),
            n => n == 1, TimeSpan.FromSeconds(30), "Dispatch to copy the county's pairing");
        var community = await platform.Fixture.QueryScalarAsync<Guid>(database, $"SELECT id FROM registry_areas WHERE county_id = '{countyId}' AND code = 'C01'");
        var grid = await platform.Fixture.QueryScalarAsync<Guid>(database, $"SELECT id FROM registry_areas WHERE county_id = '{countyId}' AND code = 'G01'");
        var member = await platform.Fixture.QueryScalarAsync<Guid>(database, $"SELECT id FROM registry_members WHERE county_id = '{countyId}'");

        var path = $"/api/dispatch/counties/{code}/requests";
        var placed = await (await client.PostJsonAsync(path, new { category = "livelihood", description = "楼道灯坏了", communityId = community, gridId = grid, channel = "resident_app" }))
            .OkAsync(HttpStatusCode.Created);
        Assert.NotEqual(JsonValueKindNull, placed.GetProperty("streetId").ValueKind);
        await (await client.PostJsonAsync($"{path}/{placed.Id()}/dispatch", new { tier = "ordinary", mode = "pool" })).OkAsync();
        var candidates = await client.GetJsonAsync($"{path}/{placed.Id()}/candidates");
        Assert.Equal(member, candidates[0].GetProperty("memberId").GetGuid());
        var claimed = await (await client.PostJsonAsync($"{path}/{placed.Id()}/claim", new { memberId = member })).OkAsync();
        Assert.Equal("claimed", claimed.GetProperty("status").GetString());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
