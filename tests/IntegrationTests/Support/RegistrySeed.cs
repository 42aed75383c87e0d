using Platform.Contracts.Registry;
using Platform.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.Registry.Organisations;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests.Support;

/// <summary>
/// A registered county with a small tree, units and members written straight into Registry's
/// database (as the application role, under the county's row-level security), for tests of one
/// resource that need others to exist. Tests of those others' life cycles go through the API.
/// </summary>
public sealed class SeededCounty
{
    public required string Code { get; init; }

    public required Guid CountyId { get; init; }

    /// <summary>Street 1 → communities 1 and 2; community 1 → grids 1 and 2; community 2 → grid 3.</summary>
    public required Area Street { get; init; }

    public required Area Community1 { get; init; }

    public required Area Community2 { get; init; }

    public required Area Grid1 { get; init; }

    public required Area Grid2 { get; init; }

    public required Area Grid3 { get; init; }

    /// <summary>Two unit organisations (机关 and 企业) and the community organisation of community 1.</summary>
    public required Organisation Unit1 { get; init; }

    public required Organisation Unit2 { get; init; }

    public required Organisation CommunityOrganisation1 { get; init; }

    /// <summary>Four members: 1 and 2 of unit 1 living in grid 1 and 2; 3 of unit 2 in grid 3; 4 of unit 2 in grid 1.</summary>
    public required IReadOnlyList<Member> Members { get; init; }

    public string Path(string relative) => $"/api/registry/counties/{Code}/{relative.TrimStart('/')}";
}

public static class RegistrySeed
{
    /// <summary>Registers a fresh county through the gateway, then writes its tree, units and members.</summary>
    public static async Task<SeededCounty> CountyAsync(RunningPlatform platform, string? name = null)
    {
        var code = Counties.NewCode();
        using var client = platform.Gateway();
        var county = await Counties.RegisterAsync(client, code, name ?? "测试县" + code);
        var countyId = county.GetProperty("id").GetGuid();

        var tenant = new TenantContext();
        tenant.Set(countyId);
        await using var db = Contexts.Create<RegistryDbContext>(platform.Databases["registry"].AppConnectionString, tenant);
        var now = DateTimeOffset.UtcNow;
        Area NewArea(string areaCode, string areaName, AreaLevel level, Area? parent) => new()
        {
            Id = Guid.CreateVersion7(), Code = areaCode, Name = areaName, Level = level, ParentId = parent?.Id, CreatedAt = now,
        };
        var street = NewArea("S01", "城关街道", AreaLevel.Street, null);
        var community1 = NewArea("C01", "东门社区", AreaLevel.Community, street);
        var community2 = NewArea("C02", "西街社区", AreaLevel.Community, street);
        var grid1 = NewArea("G01", "东门社区第一网格", AreaLevel.Grid, community1);
        var grid2 = NewArea("G02", "东门社区第二网格", AreaLevel.Grid, community1);
        var grid3 = NewArea("G03", "西街社区第一网格", AreaLevel.Grid, community2);
        db.Areas.AddRange(street, community1, community2, grid1, grid2, grid3);

        Organisation NewOrganisation(string orgCode, string orgName, OrganisationKind kind, Area? area) => new()
        {
            Id = Guid.CreateVersion7(), Code = orgCode, Name = orgName, Kind = kind, AreaId = area?.Id, CreatedAt = now,
        };
        var unit1 = NewOrganisation("U01", "县财政局机关党支部", OrganisationKind.GovernmentUnit, null);
        var unit2 = NewOrganisation("U02", "县供电公司党委", OrganisationKind.Enterprise, null);
        var communityOrganisation1 = NewOrganisation("O01", "东门社区党委", OrganisationKind.Community, community1);
        db.Organisations.AddRange(unit1, unit2, communityOrganisation1);

        Member NewMember(string memberCode, string memberName, Organisation unit, Area community, Area grid, params string[] skills) => new()
        {
            Id = Guid.CreateVersion7(), Code = memberCode, Name = memberName, Phone = "1380000" + memberCode[^4..],
            UnitId = unit.Id, CommunityId = community.Id, GridId = grid.Id, Skills = [.. skills], Intentions = ["政策宣讲"],
            Availability = [new AvailabilityWindow(DayOfWeek.Saturday, new TimeOnly(9, 0), new TimeOnly(12, 0))],
            Status = MemberStatus.Active, CreatedAt = now,
        };
        Member[] members =
        [
            NewMember("M0001", "张伟", unit1, community1, grid1, "水电维修"),
            NewMember("M0002", "王芳", unit1, community1, grid2, "法律咨询"),
            NewMember("M0003", "李娜", unit2, community2, grid3, "心理疏导", "水电维修"),
            NewMember("M0004", "刘洋", unit2, community1, grid1, "医疗护理"),
        ];
        db.Members.AddRange(members);
        await db.SaveChangesAsync();

        return new SeededCounty
        {
            Code = code, CountyId = countyId, Street = street, Community1 = community1, Community2 = community2,
            Grid1 = grid1, Grid2 = grid2, Grid3 = grid3, Unit1 = unit1, Unit2 = unit2, CommunityOrganisation1 = communityOrganisation1,
            Members = members,
        };
    }
}
