using System.Net;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>Party organisations, officers, alliances and service stations through the gateway.</summary>
[Collection(PlatformCollection.Name)]
public sealed class OrganisationsTests(PlatformFixture fixture)
{
    [Fact]
    public async Task An_alliance_gathers_organisations_of_different_units_and_its_officers_travel_in_its_events()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await using var events = await EventProbe<OrganisationChanged>.StartAsync(platform);

        var alliance = await (await client.PostJsonAsync(county.Path("organisations"),
            new { code = "A01", name = "东门社区大党委", kind = "alliance", areaId = county.Community1.Id })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"organisations/{alliance.Id()}/members"), new { organisationId = county.Unit1.Id })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"organisations/{alliance.Id()}/members"), new { organisationId = county.Unit2.Id })).OkAsync(HttpStatusCode.Created);
        var withOfficer = await (await client.PostJsonAsync(county.Path($"organisations/{alliance.Id()}/officers"),
            new { memberId = county.Members[0].Id, role = "secretary" })).OkAsync(HttpStatusCode.Created);

        Assert.Equal(2, withOfficer.GetProperty("memberOrganisationIds").GetArrayLength());
        Assert.Equal("张伟", withOfficer.GetProperty("officers")[0].GetProperty("memberName").GetString());
        var announced = await events.WaitForAsync(e => e.OrganisationId == alliance.Id() && e.Version == 4);
        Assert.Equal(new[] { county.Unit1.Id, county.Unit2.Id }.Order(), announced.MemberOrganisationIds.Order());
        Assert.Equal("secretary", Assert.Single(announced.Officers).Role);

        var officerId = withOfficer.GetProperty("officers")[0].Id();
        var dismissed = await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, county.Path($"organisations/{alliance.Id()}/officers/{officerId}")))).OkAsync();
        Assert.Equal(0, dismissed.GetProperty("officers").GetArrayLength());
        var left = await (await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, county.Path($"organisations/{alliance.Id()}/members/{county.Unit2.Id}")))).OkAsync();
        Assert.Equal([county.Unit1.Id], left.GetProperty("memberOrganisationIds").EnumerateArray().Select(e => e.GetGuid()));
        var units = await client.GetJsonAsync(county.Path("organisations?unit=true"));
        Assert.Equal(2, units.GetProperty("total").GetInt64());
        var others = await client.GetJsonAsync(county.Path("organisations?unit=false"));
        Assert.Equal(["A01", "O01"], others.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("code").GetString()));
        var alliances = await client.GetJsonAsync(county.Path("organisations?kind=alliance"));
        Assert.Equal(alliance.Id(), alliances.GetProperty("items")[0].Id());
    }

    [Fact]
    public async Task Kinds_and_areas_must_fit_and_codes_are_unique()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);
        var path = county.Path("organisations");

        await (await client.PostJsonAsync(path, new { code = "U9", name = "县教育局", kind = "government_unit", areaId = county.Community1.Id }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "areaId");
        await (await client.PostJsonAsync(path, new { code = "O9", name = "西街社区党委", kind = "community" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "areaId");
        await (await client.PostJsonAsync(path, new { name = "无编码" , kind = "enterprise" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "code");
        await (await client.PostJsonAsync(path, """{"code":"U9","name":"x","kind":"ministry"}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "malformed_json", "kind");
        await (await client.PostJsonAsync(path, new { code = "B9", name = "网格支部", kind = "grid_branch", areaId = county.Community1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "areaId");
        await (await client.PostJsonAsync(path, new { code = "O9", name = "社区党委", kind = "community", areaId = Guid.NewGuid() }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "areaId");
        await (await client.PostJsonAsync(path, new { code = "U01", name = "重复", kind = "enterprise" }))
            .ProblemAsync(HttpStatusCode.Conflict, "organisation_code_taken", "code");
        await (await client.PostJsonAsync(county.Path($"organisations/{county.Unit1.Id}/members"), new { organisationId = county.Unit2.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "not_an_alliance");
        await (await client.PostJsonAsync(county.Path($"organisations/{county.Unit1.Id}/officers"), new { memberId = Guid.NewGuid(), role = "secretary" }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "memberId");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task A_unit_with_active_members_cannot_be_retired_and_an_empty_one_can()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var spare = await (await client.PostJsonAsync(county.Path("organisations"), new { code = "U09", name = "县档案馆", kind = "institution" }))
            .OkAsync(HttpStatusCode.Created);

        var refused = await (await client.PostJsonAsync(county.Path($"organisations/{county.Unit1.Id}/retire"))).ProblemAsync(HttpStatusCode.Conflict, "organisation_in_use");
        Assert.Contains("2 active members", refused.GetProperty("detail").GetString());
        var renamed = await (await client.PutJsonAsync(county.Path($"organisations/{spare.Id()}"), new { code = "U09", name = "县档案局" }, ifMatch: "\"1\"")).OkAsync();
        Assert.Equal("县档案局", renamed.GetProperty("name").GetString());
        var retired = await (await client.PostJsonAsync(county.Path($"organisations/{spare.Id()}/retire"))).OkAsync();
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, retired.GetProperty("retiredAt").ValueKind);
        await (await client.PutJsonAsync(county.Path($"organisations/{spare.Id()}"), new { code = "U09", name = "再改" }))
            .ProblemAsync(HttpStatusCode.Conflict, "organisation_retired");
    }

    [Fact]
    public async Task A_service_station_opens_changes_and_closes()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await using var events = await EventProbe<ServiceStationChanged>.StartAsync(platform);

        var station = await (await client.PostJsonAsync(county.Path("service-stations"),
            new { name = "东门社区党群服务站", areaId = county.Community1.Id, address = "东门路1号", phone = "0826-5221234", openingHours = "工作日 9:00-17:00" }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path("service-stations"), new { name = "x", areaId = county.Street.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "areaId");
        await (await client.PostJsonAsync(county.Path("service-stations"), new { name = "x", areaId = county.Grid1.Id, phone = "12ab" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "phone");
        var changed = await (await client.PutJsonAsync(county.Path($"service-stations/{station.Id()}"),
            new { name = "东门社区党群服务中心", areaId = county.Community1.Id, phone = "13812345678" }, ifMatch: "\"1\"")).OkAsync();
        Assert.Equal(2, changed.GetProperty("version").GetInt32());
        var listed = await client.GetJsonAsync(county.Path($"service-stations?areaId={county.Community1.Id}"));
        Assert.Equal(1, listed.GetProperty("total").GetInt64());
        await (await client.PostJsonAsync(county.Path($"service-stations/{station.Id()}/retire"))).OkAsync();
        await events.WaitForAsync(e => e.StationId == station.Id() && e.Change == RegistryChange.Retired && e.Version == 3);
    }

    [Fact]
    public async Task Another_countys_organisations_and_stations_are_not_found_under_this_countys_path()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await RegistrySeed.CountyAsync(platform);
        var b = await RegistrySeed.CountyAsync(platform);
        var station = await (await client.PostJsonAsync(a.Path("service-stations"), new { name = "A站", areaId = a.Grid1.Id })).OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.GetAsync(b.Path($"organisations/{a.Unit1.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "organisation_not_found");
        await (await client.PutJsonAsync(b.Path($"organisations/{a.Unit1.Id}"), new { code = "U01", name = "x" })).ProblemAsync(HttpStatusCode.NotFound, "organisation_not_found");
        await (await client.PostJsonAsync(b.Path($"organisations/{a.Unit2.Id}/retire"))).ProblemAsync(HttpStatusCode.NotFound, "organisation_not_found");
        await (await client.PostJsonAsync(b.Path($"organisations/{a.Unit1.Id}/officers"), new { memberId = a.Members[0].Id, role = "secretary" }))
            .ProblemAsync(HttpStatusCode.NotFound, "organisation_not_found");
        await (await client.PostJsonAsync(b.Path($"organisations/{b.Unit1.Id}/officers"), new { memberId = a.Members[0].Id, role = "secretary" }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "memberId");
        await (await client.PostJsonAsync(b.Path($"organisations/{a.Unit1.Id}/members"), new { organisationId = b.Unit1.Id }))
            .ProblemAsync(HttpStatusCode.NotFound, "organisation_not_found");
        await (await client.GetAsync(b.Path($"service-stations/{station.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "service_station_not_found");
        await (await client.PostJsonAsync(b.Path($"service-stations/{station.Id()}/retire"))).ProblemAsync(HttpStatusCode.NotFound, "service_station_not_found");
        await (await client.PostJsonAsync(b.Path("service-stations"), new { name = "跨县", areaId = a.Grid1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "areaId");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }
}
