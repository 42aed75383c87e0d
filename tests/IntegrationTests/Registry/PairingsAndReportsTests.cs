using System.Net;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>Pairings with commitments, reports (报到), and 应报不报 through the gateway.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PairingsAndReportsTests(PlatformFixture fixture)
{
    private static readonly string Today = DateTime.UtcNow.AddHours(8).ToString("yyyy-MM-dd");
    private static readonly string LastYear = DateTime.UtcNow.AddYears(-1).ToString("yyyy-MM-dd");

    [Fact]
    public async Task A_pairing_carries_grids_and_commitments_through_their_life_and_ends()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await using var events = await EventProbe<PairingChanged>.StartAsync(platform);

        var pairing = await (await client.PostJsonAsync(county.Path("pairings"),
            new { unitId = county.Unit1.Id, communityId = county.Community1.Id, gridIds = new[] { county.Grid1.Id }, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);
        var commitment = await (await client.PostJsonAsync(county.Path($"pairings/{pairing.Id()}/commitments"),
            new { kind = "livelihood_task", title = "改造老旧小区路灯", dueOn = Today })).OkAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync(county.Path($"pairings/{pairing.Id()}/commitments/{commitment.Id()}"),
            new { title = "改造老旧小区路灯20盏", dueOn = Today }, ifMatch: "\"1\"")).OkAsync();
        await (await client.PostJsonAsync(county.Path($"pairings/{pairing.Id()}/commitments/{commitment.Id()}/complete"))).OkAsync();
        await (await client.PostJsonAsync(county.Path($"pairings/{pairing.Id()}/commitments/{commitment.Id()}/cancel")))
            .ProblemAsync(HttpStatusCode.Conflict, "commitment_not_open");
        var updated = await (await client.PutJsonAsync(county.Path($"pairings/{pairing.Id()}"), new { gridIds = new[] { county.Grid1.Id, county.Grid2.Id } })).OkAsync();
        Assert.Equal(2, updated.GetProperty("gridIds").GetArrayLength());

        var done = await client.GetJsonAsync(county.Path($"commitments?unitId={county.Unit1.Id}&status=done"));
        Assert.Equal("改造老旧小区路灯20盏", done.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Equal(1, (await client.GetJsonAsync(county.Path($"pairings?activeOn={Today}&communityId={county.Community1.Id}"))).GetProperty("total").GetInt64());

        await (await client.PostJsonAsync(county.Path($"pairings/{pairing.Id()}/end"), new { endsOn = Today })).OkAsync();
        var ended = await events.WaitForAsync(e => e.PairingId == pairing.Id() && e.Change == RegistryChange.Ended);
        Assert.Equal("done", Assert.Single(ended.Commitments).Status);
        Assert.Equal(2, ended.GridIds.Count);
        Assert.Equal(6, ended.Version);
    }

    [Fact]
    public async Task Pairings_refuse_bad_references_overlaps_and_foreign_grids_writing_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await (await client.PostJsonAsync(county.Path("pairings"), new { unitId = county.Unit1.Id, communityId = county.Community1.Id, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);
        var path = county.Path("pairings");

        await (await client.PostJsonAsync(path, new { unitId = county.Unit1.Id, communityId = county.Community1.Id, startsOn = Today }))
            .ProblemAsync(HttpStatusCode.Conflict, "pairing_overlaps");
        await (await client.PostJsonAsync(path, new { unitId = county.Unit2.Id, communityId = county.Community1.Id }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "startsOn");
        await (await client.PostJsonAsync(path, new { unitId = county.Unit2.Id, communityId = county.Community1.Id, startsOn = Today, endsOn = LastYear }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "endsOn");
        // A date outside the years a county's calendar takes is a typing error.
        await (await client.PostJsonAsync(path, new { unitId = county.Unit2.Id, communityId = county.Community1.Id, startsOn = "1066-02-01" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "startsOn");
        await (await client.PostJsonAsync(path, new { unitId = county.Unit2.Id, communityId = county.Community1.Id, startsOn = Today, gridIds = new[] { county.Grid3.Id } }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "gridIds");
        await (await client.PostJsonAsync(path, new { unitId = county.CommunityOrganisation1.Id, communityId = county.Community1.Id, startsOn = Today }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "unitId");
        await (await client.PostJsonAsync(path, new { unitId = county.Unit2.Id, communityId = Guid.NewGuid(), startsOn = Today }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "communityId");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task Two_overlapping_pairings_saved_at_the_same_moment_never_both_stand()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var path = county.Path("pairings");

        // Each round, the same unit and community from two different days, both open-ended: they overlap.
        var communities = new[] { county.Community1, county.Community2 };
        var units = new[] { county.Unit1, county.Unit2 };
        foreach (var (unit, community) in units.SelectMany(u => communities.Select(c => (u, c))))
        {
            var racing = await Task.WhenAll(
                client.PostJsonAsync(path, new { unitId = unit.Id, communityId = community.Id, startsOn = LastYear }),
                client.PostJsonAsync(path, new { unitId = unit.Id, communityId = community.Id, startsOn = Today }));
            Assert.Single(racing, r => r.StatusCode == HttpStatusCode.Created);
            await racing.Single(r => r.StatusCode != HttpStatusCode.Created).ProblemAsync(HttpStatusCode.Conflict, "pairing_overlaps");
        }
        Assert.Equal(4, (await client.GetJsonAsync($"{path}?pageSize=50")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Units_report_to_paired_communities_and_members_to_where_they_live()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await (await client.PostJsonAsync(county.Path("pairings"), new { unitId = county.Unit1.Id, communityId = county.Community1.Id, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);
        await using var events = await EventProbe<ReportChanged>.StartAsync(platform);

        await (await client.PostJsonAsync(county.Path("reports"), new { kind = "unit", unitId = county.Unit1.Id, communityId = county.Community2.Id }))
            .ProblemAsync((HttpStatusCode)422, "not_paired", "communityId");
        var unitReport = await (await client.PostJsonAsync(county.Path("reports"), new { kind = "unit", unitId = county.Unit1.Id, communityId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path("reports"), new { kind = "unit", unitId = county.Unit1.Id, communityId = county.Community1.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "report_exists");
        await (await client.PostJsonAsync(county.Path("reports"), new { kind = "member", memberId = county.Members[0].Id, communityId = county.Community2.Id }))
            .ProblemAsync((HttpStatusCode)422, "not_home_community", "communityId");
        var memberReport = await (await client.PostJsonAsync(county.Path("reports"), new { kind = "member", memberId = county.Members[0].Id }))
            .OkAsync(HttpStatusCode.Created);
        Assert.Equal(county.Grid1.Id, memberReport.GetProperty("gridId").GetGuid());
        Assert.Equal(county.Unit1.Id, memberReport.GetProperty("unitId").GetGuid());

        await (await client.PostJsonAsync(county.Path($"reports/{memberReport.Id()}/confirm"))).OkAsync();
        await (await client.PostJsonAsync(county.Path($"reports/{memberReport.Id()}/confirm"))).ProblemAsync(HttpStatusCode.Conflict, "report_not_pending");
        await (await client.PostJsonAsync(county.Path($"reports/{unitReport.Id()}/withdraw"), new { reason = "重新报到" })).OkAsync();
        await (await client.PostJsonAsync(county.Path($"reports/{unitReport.Id()}/withdraw"), new { })).ProblemAsync(HttpStatusCode.Conflict, "report_withdrawn");
        await (await client.PostJsonAsync(county.Path("reports"), new { kind = "unit", unitId = county.Unit1.Id, communityId = county.Community1.Id })).OkAsync(HttpStatusCode.Created);

        var confirmed = await events.WaitForAsync(e => e.ReportId == memberReport.Id() && e.Change == RegistryChange.Confirmed);
        Assert.Equal("confirmed", confirmed.Status);
        Assert.NotNull(confirmed.ConfirmedAt);
        await events.WaitForAsync(e => e.ReportId == unitReport.Id() && e.Status == "withdrawn");
        var listed = await client.GetJsonAsync(county.Path($"reports?kind=unit&status=pending&communityId={county.Community1.Id}"));
        Assert.Equal(1, listed.GetProperty("total").GetInt64());
        await (await client.PostJsonAsync(county.Path("reports"), new { kind = "member" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await client.PostJsonAsync(county.Path("reports"), new { kind = "unit", unitId = county.Unit1.Id, memberId = county.Members[0].Id, communityId = county.Community1.Id }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
    }

    [Fact]
    public async Task Members_of_paired_units_who_have_not_reported_are_listed_and_counted_per_unit_community_and_county()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        // Unit 1 (members 1, 2) is paired; unit 2 (members 3, 4) is not, so its members need not report.
        await (await client.PostJsonAsync(county.Path("pairings"), new { unitId = county.Unit1.Id, communityId = county.Community1.Id, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);
        var report = await (await client.PostJsonAsync(county.Path("reports"), new { kind = "member", memberId = county.Members[0].Id })).OkAsync(HttpStatusCode.Created);

        var missing = await client.GetJsonAsync(county.Path("reports/missing"));
        Assert.Equal(["M0001", "M0002"], missing.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("code").GetString()));
        Assert.True(missing.GetProperty("items")[0].GetProperty("pending").GetBoolean());
        Assert.Equal("138****0001", missing.GetProperty("items")[0].GetProperty("phone").GetString());
        Assert.Equal(1, (await client.GetJsonAsync(county.Path("reports/missing?excludePending=true"))).GetProperty("total").GetInt64());

        await (await client.PostJsonAsync(county.Path($"reports/{report.Id()}/confirm"))).OkAsync();
        var afterConfirm = await client.GetJsonAsync(county.Path("reports/missing"));
        Assert.Equal(["M0002"], afterConfirm.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("code").GetString()));

        var byUnit = await client.GetJsonAsync(county.Path("reports/missing/summary?groupBy=unit"));
        var unit1 = Assert.Single(byUnit.GetProperty("groups").EnumerateArray());
        Assert.Equal(county.Unit1.Id, unit1.Id());
        Assert.Equal((2, 1, 1), (unit1.GetProperty("shouldReport").GetInt32(), unit1.GetProperty("reported").GetInt32(), unit1.GetProperty("missing").GetInt32()));
        var byCommunity = await client.GetJsonAsync(county.Path("reports/missing/summary?groupBy=community"));
        Assert.Equal(county.Community1.Id, Assert.Single(byCommunity.GetProperty("groups").EnumerateArray()).Id());
        Assert.Equal(1, byCommunity.GetProperty("county").GetProperty("missing").GetInt32());
        await (await client.GetAsync(county.Path("reports/missing/summary?groupBy=street"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "groupBy");
    }

    [Fact]
    public async Task Another_countys_pairings_and_reports_are_not_found_under_this_countys_path()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await RegistrySeed.CountyAsync(platform);
        var b = await RegistrySeed.CountyAsync(platform);
        var pairing = await (await client.PostJsonAsync(a.Path("pairings"), new { unitId = a.Unit1.Id, communityId = a.Community1.Id, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);
        var commitment = await (await client.PostJsonAsync(a.Path($"pairings/{pairing.Id()}/commitments"), new { kind = "joint_meeting", title = "季度联席会" })).OkAsync(HttpStatusCode.Created);
        var report = await (await client.PostJsonAsync(a.Path("reports"), new { kind = "member", memberId = a.Members[0].Id })).OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.GetAsync(b.Path($"pairings/{pairing.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        await (await client.PutJsonAsync(b.Path($"pairings/{pairing.Id()}"), new { gridIds = Array.Empty<Guid>() })).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        await (await client.PostJsonAsync(b.Path($"pairings/{pairing.Id()}/end"), new { endsOn = Today })).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        await (await client.PostJsonAsync(b.Path($"pairings/{pairing.Id()}/commitments"), new { kind = "joint_meeting", title = "x" })).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        await (await client.PostJsonAsync(a.Path($"pairings/{pairing.Id()}/commitments"), new { kind = "joint_meeting", title = "x", dueOn = "1900-01-01" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "dueOn");
        await (await client.PostJsonAsync(b.Path($"pairings/{pairing.Id()}/commitments/{commitment.Id()}/complete"))).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        await (await client.GetAsync(b.Path($"pairings/{pairing.Id()}/commitments/{commitment.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        await (await client.GetAsync(b.Path($"reports/{report.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "report_not_found");
        await (await client.PostJsonAsync(b.Path($"reports/{report.Id()}/confirm"))).ProblemAsync(HttpStatusCode.NotFound, "report_not_found");
        await (await client.PostJsonAsync(b.Path($"reports/{report.Id()}/withdraw"), new { })).ProblemAsync(HttpStatusCode.NotFound, "report_not_found");
        await (await client.PostJsonAsync(b.Path("reports"), new { kind = "member", memberId = a.Members[1].Id })).ProblemAsync((HttpStatusCode)422, "reference_not_found", "memberId");
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("reports/missing"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(b.Path("commitments"))).GetProperty("total").GetInt64());

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }
}
