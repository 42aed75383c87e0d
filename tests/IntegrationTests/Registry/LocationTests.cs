using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>Every 201 of Registry names, in <c>Location</c>, a URL whose GET answers what the 201's body holds.</summary>
[Collection(PlatformCollection.Name)]
public sealed class LocationTests(PlatformFixture fixture)
{
    private static readonly string LastYear = DateTime.UtcNow.AddYears(-1).ToString("yyyy-MM-dd");

    [Fact]
    public async Task A_commitment_is_found_at_its_location_and_an_unknown_one_is_not()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var pairing = await (await client.PostJsonAsync(county.Path("pairings"),
            new { unitId = county.Unit1.Id, communityId = county.Community1.Id, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);

        using var created = await client.PostJsonAsync(county.Path($"pairings/{pairing.Id()}/commitments"), new { kind = "joint_meeting", title = "季度联席会" });
        var commitment = await created.OkAsync(HttpStatusCode.Created);

        Assert.Equal(county.Path($"pairings/{pairing.Id()}/commitments/{commitment.Id()}"), created.Headers.Location?.ToString());
        using var found = await client.GetAsync(created.Headers.Location);
        var shown = await found.OkAsync();
        Assert.Equal(commitment.Id(), shown.Id());
        Assert.Equal(pairing.Id(), shown.GetProperty("pairingId").GetGuid());
        Assert.Equal("季度联席会", shown.GetProperty("title").GetString());
        Assert.Equal("open", shown.GetProperty("status").GetString());
        Assert.Equal(created.Headers.ETag, found.Headers.ETag);
        await (await client.GetAsync(county.Path($"pairings/{pairing.Id()}/commitments/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "commitment_not_found");
        await (await client.GetAsync(county.Path($"pairings/{Guid.NewGuid()}/commitments/{commitment.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "pairing_not_found");
        // Under another pairing of the county the commitment is not found either.
        var other = await (await client.PostJsonAsync(county.Path("pairings"),
            new { unitId = county.Unit2.Id, communityId = county.Community1.Id, startsOn = LastYear })).OkAsync(HttpStatusCode.Created);
        await (await client.GetAsync(county.Path($"pairings/{other.Id()}/commitments/{commitment.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "commitment_not_found");
    }

    [Fact]
    public async Task Additions_to_an_organisation_a_team_or_a_post_point_at_it_and_its_get_shows_them()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var member = county.Members[0];
        var alliance = await (await client.PostJsonAsync(county.Path("organisations"),
            new { code = "A01", name = "东门社区大党委", kind = "alliance", areaId = county.Community1.Id })).OkAsync(HttpStatusCode.Created);
        var team = await (await client.PostJsonAsync(county.Path("volunteer-teams"), new { name = "东门应急队", type = "emergency", communityId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);
        var post = await (await client.PostJsonAsync(county.Path("public-service-posts"), new { name = "政策宣传岗", communityId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);

        var officer = await FollowAsync(client, county.Path($"organisations/{alliance.Id()}/officers"), new { memberId = member.Id, role = "secretary" },
            county.Path($"organisations/{alliance.Id()}"));
        Assert.Equal(member.Id, officer.GetProperty("officers")[0].GetProperty("memberId").GetGuid());
        var allianceMember = await FollowAsync(client, county.Path($"organisations/{alliance.Id()}/members"), new { organisationId = county.Unit1.Id },
            county.Path($"organisations/{alliance.Id()}"));
        Assert.Equal([county.Unit1.Id], allianceMember.GetProperty("memberOrganisationIds").EnumerateArray().Select(e => e.GetGuid()));
        var joined = await FollowAsync(client, county.Path($"volunteer-teams/{team.Id()}/members"), new { memberId = member.Id },
            county.Path($"volunteer-teams/{team.Id()}"));
        Assert.Equal(member.Id, joined.GetProperty("members")[0].GetProperty("memberId").GetGuid());
        var claimed = await FollowAsync(client, county.Path($"public-service-posts/{post.Id()}/claims"), new { memberId = member.Id },
            county.Path($"public-service-posts/{post.Id()}"));
        Assert.Equal(member.Id, claimed.GetProperty("holders")[0].GetProperty("memberId").GetGuid());
    }

    /// <summary>POSTs, expects a 201 pointing at <paramref name="location"/>, and returns what a GET there answers (the 201's body).</summary>
    private static async Task<JsonElement> FollowAsync(HttpClient client, string path, object body, string location)
    {
        using var created = await client.PostJsonAsync(path, body);
        var answered = await created.OkAsync(HttpStatusCode.Created);
        Assert.Equal(location, created.Headers.Location?.ToString());
        using var found = await client.GetAsync(created.Headers.Location);
        var shown = await found.OkAsync();
        Assert.Equal(answered.ToString(), shown.ToString());
        Assert.Equal(created.Headers.ETag, found.Headers.ETag);
        return shown;
    }
}
