using System.Net;
using Platform.IntegrationTests.Support;
using Platform.Registry.Reports;

namespace Platform.IntegrationTests.Registry;

/// <summary>Every list and query of one county shows none of another county's records, whatever its filters name.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ListIsolationTests(PlatformFixture fixture)
{
    [Fact]
    public async Task No_list_or_query_of_county_B_shows_anything_of_county_A()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await RegistrySeed.CountyAsync(platform);
        var b = await RegistrySeed.CountyAsync(platform);
        await (await client.PostJsonAsync(a.Path("pairings"), new { unitId = a.Unit1.Id, communityId = a.Community1.Id, startsOn = "2025-01-01" })).OkAsync(HttpStatusCode.Created);
        var pairing = await client.GetJsonAsync(a.Path("pairings"));
        await (await client.PostJsonAsync(a.Path($"pairings/{pairing.GetProperty("items")[0].Id()}/commitments"), new { kind = "joint_meeting", title = "联席会" })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(a.Path("service-stations"), new { name = "A站", areaId = a.Community1.Id })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(a.Path("volunteer-teams"), new { name = "A队", type = "service", communityId = a.Community1.Id })).OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(a.Path("public-service-posts"), new { name = "A岗", communityId = a.Community1.Id })).OkAsync(HttpStatusCode.Created);
        await RegistrySeedReports.ReportAsync(platform, a, ReportStatus.Confirmed, a.Members[0]);

        // B's queries, even filtered by A's ids, see nothing of A.
        string[] empty =
        [
            $"areas?parentId={a.Community1.Id}", $"organisations?areaId={a.Community1.Id}", $"service-stations?areaId={a.Community1.Id}",
            $"members?unitId={a.Unit1.Id}", $"members?communityId={a.Community1.Id}", $"members/without-post?unitId={a.Unit1.Id}",
            $"volunteer-teams?communityId={a.Community1.Id}", $"public-service-posts?communityId={a.Community1.Id}",
            $"pairings?unitId={a.Unit1.Id}", $"commitments?unitId={a.Unit1.Id}", $"reports?memberId={a.Members[0].Id}",
            $"reports/missing?unitId={a.Unit1.Id}", "pairings", "commitments", "reports", "reports/missing", "service-stations",
            "volunteer-teams", "public-service-posts", "members/without-post",
        ];
        foreach (var query in empty)
        {
            var page = await client.GetJsonAsync(b.Path(query));
            Assert.True(page.GetProperty("total").GetInt64() == 0, $"B's {query} shows {page}");
        }
        var bMembers = await client.GetJsonAsync(b.Path("members?pageSize=200"));
        Assert.DoesNotContain(bMembers.GetProperty("items").EnumerateArray(), m => a.Members.Any(am => am.Id == m.Id()));
        var tree = (await client.GetJsonAsync(b.Path("areas/tree"))).ToString();
        Assert.DoesNotContain(a.Street.Id.ToString(), tree);
        var summary = await client.GetJsonAsync(b.Path("reports/missing/summary?groupBy=unit"));
        Assert.Equal(0, summary.GetProperty("groups").GetArrayLength());
        Assert.Equal(1, (await client.GetJsonAsync(b.Path("settings/versions"))).GetProperty("total").GetInt64());
        await (await client.GetAsync(b.Path($"members/{a.Members[0].Id}/posts"))).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");

        // And A still sees its own.
        Assert.Equal(1, (await client.GetJsonAsync(a.Path("commitments"))).GetProperty("total").GetInt64());
    }
}
