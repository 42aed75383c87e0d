using Platform.Contracts.Registry;
using Platform.Dispatch;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests.Support;

/// <summary>
/// A county as Dispatch knows it: registered through the gateway (Dispatch learns of it from the
/// event), then its copies of Registry's records written straight into Dispatch's database — the
/// tree, two paired units, members with skills and availability, their reports — so Dispatch's
/// tests do not depend on Registry's API. The end-to-end path from Registry is tested separately.
/// </summary>
public sealed class DispatchCounty
{
    public required string Code { get; init; }

    public required Guid CountyId { get; init; }

    /// <summary>Street → communities 1 and 2; community 1 → grids 1 and 2; community 2 → grid 3.</summary>
    public required ReplicaArea Street { get; init; }

    public required ReplicaArea Community1 { get; init; }

    public required ReplicaArea Community2 { get; init; }

    public required ReplicaArea Grid1 { get; init; }

    public required ReplicaArea Grid2 { get; init; }

    public required ReplicaArea Grid3 { get; init; }

    /// <summary>Unit 1 is paired with community 1 (grids 1 and 2), unit 2 with community 2.</summary>
    public required ReplicaOrganisation Unit1 { get; init; }

    public required ReplicaOrganisation Unit2 { get; init; }

    /// <summary>
    /// Six members: 1 (水电维修, grid 1, unit 1), 2 (法律咨询, grid 2, unit 1), 3 (水电维修 + 心理疏导,
    /// grid 3, unit 2), 4 (医疗护理, grid 1, unit 2), 5 (水电维修, grid 1, unit 1, available every day
    /// 08:00–20:00), 6 (政策宣讲, grid 2, unit 1, left). Members 1–5 have confirmed reports.
    /// </summary>
    public required IReadOnlyList<ReplicaMember> Members { get; init; }

    public string Path(string relative) => $"/api/dispatch/counties/{Code}/{relative.TrimStart('/')}";
}

public static class DispatchSeed
{
    public static async Task<DispatchCounty> CountyAsync(RunningPlatform platform)
    {
        var code = Counties.NewCode();
        using var client = platform.Gateway();
        var countyId = (await Counties.RegisterAsync(client, code, "派单县" + code)).GetProperty("id").GetGuid();
        var database = platform.Databases["dispatch"];
        await Poll.UntilAsync(
            () => platform.Fixture.QueryScalarAsync<long>(database.Name, $"SELECT count(*) FROM counties WHERE id = '{countyId}'"),
            n => n == 1, TimeSpan.FromSeconds(20), "Dispatch to learn of the county");
        await Poll.UntilAsync(
            () => platform.Fixture.QueryScalarAsync<long>(database.Name, $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{countyId}'"),
            n => n == 1, TimeSpan.FromSeconds(60), "Dispatch to learn of the county's settings");

        var tenant = new TenantContext();
        tenant.Set(countyId);
        await using var db = Contexts.Create<DispatchDbContext>(database.AppConnectionString, tenant);
        ReplicaArea Area(string areaCode, string name, string level, ReplicaArea? parent) => new()
        {
            Id = Guid.CreateVersion7(), Version = 1, Code = areaCode, Name = name, Level = level, ParentId = parent?.Id,
        };
        var street = Area("S01", "城关街道", "street", null);
        var community1 = Area("C01", "东门社区", "community", street);
        var community2 = Area("C02", "西街社区", "community", street);
        var grid1 = Area("G01", "东门社区第一网格", "grid", community1);
        var grid2 = Area("G02", "东门社区第二网格", "grid", community1);
        var grid3 = Area("G03", "西街社区第一网格", "grid", community2);
        db.AddRange(street, community1, community2, grid1, grid2, grid3);

        ReplicaOrganisation Unit(string unitCode, string name, string kind) => new()
        {
            Id = Guid.CreateVersion7(), Version = 1, Code = unitCode, Name = name, Kind = kind,
        };
        var unit1 = Unit("U01", "县财政局机关党支部", "government_unit");
        var unit2 = Unit("U02", "县供电公司党委", "enterprise");
        db.AddRange(unit1, unit2);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        db.AddRange(
            new ReplicaPairing { Id = Guid.CreateVersion7(), Version = 1, UnitId = unit1.Id, CommunityId = community1.Id, GridIds = [grid1.Id, grid2.Id], StartsOn = today.AddMonths(-6) },
            new ReplicaPairing { Id = Guid.CreateVersion7(), Version = 1, UnitId = unit2.Id, CommunityId = community2.Id, GridIds = [grid3.Id], StartsOn = today.AddMonths(-6) });

        AvailabilityWindow[] weekend = [new(DayOfWeek.Saturday, new TimeOnly(9, 0), new TimeOnly(12, 0)), new(DayOfWeek.Sunday, new TimeOnly(14, 0), new TimeOnly(17, 0))];
        AvailabilityWindow[] everyDay = Enum.GetValues<DayOfWeek>().Select(d => new AvailabilityWindow(d, new TimeOnly(8, 0), new TimeOnly(20, 0))).ToArray();
        ReplicaMember Member(string memberCode, string name, ReplicaOrganisation unit, ReplicaArea community, ReplicaArea grid, AvailabilityWindow[] availability, string status, params string[] skills) => new()
        {
            Id = Guid.CreateVersion7(), Version = 1, Code = memberCode, Name = name, UnitId = unit.Id, CommunityId = community.Id, GridId = grid.Id,
            Skills = [.. skills], Intentions = ["志愿服务"], Availability = [.. availability], Status = status,
        };
        ReplicaMember[] members =
        [
            Member("M0001", "张伟", unit1, community1, grid1, weekend, "active", "水电维修"),
            Member("M0002", "王芳", unit1, community1, grid2, weekend, "active", "法律咨询"),
            Member("M0003", "李娜", unit2, community2, grid3, weekend, "active", "水电维修", "心理疏导"),
            Member("M0004", "刘洋", unit2, community1, grid1, weekend, "active", "医疗护理"),
            Member("M0005", "陈静", unit1, community1, grid1, everyDay, "active", "水电维修"),
            Member("M0006", "杨磊", unit1, community1, grid2, weekend, "left", "政策宣讲"),
        ];
        db.AddRange(members);
        var reportedAt = DateTimeOffset.UtcNow.AddMonths(-3);
        db.AddRange(members.Take(5).Select(m => new ReplicaReport
        {
            Id = Guid.CreateVersion7(), Version = 2, Kind = "member", MemberId = m.Id, UnitId = m.UnitId, CommunityId = m.CommunityId,
            GridId = m.GridId, Status = "confirmed", SubmittedAt = reportedAt, ConfirmedAt = reportedAt.AddDays(1),
        }));
        await db.SaveChangesAsync();

        return new DispatchCounty
        {
            Code = code, CountyId = countyId, Street = street, Community1 = community1, Community2 = community2,
            Grid1 = grid1, Grid2 = grid2, Grid3 = grid3, Unit1 = unit1, Unit2 = unit2, Members = members,
        };
    }
}
