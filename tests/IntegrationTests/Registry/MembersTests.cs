using System.Net;
using System.Text.Json;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;
using Platform.Registry.Reports;

namespace Platform.IntegrationTests.Registry;

/// <summary>Members, volunteer teams and public-service posts through the gateway.</summary>
[Collection(PlatformCollection.Name)]
public sealed class MembersTests(PlatformFixture fixture)
{
    private static object NewMember(SeededCounty county, string code = "M9001", string phone = "13912345678", string? gridRole = null) => new
    {
        code, name = "赵敏", phone, unitId = county.Unit1.Id, communityId = county.Community1.Id, gridId = county.Grid2.Id,
        skills = new[] { "水电维修", "水电维修", " 电脑维修 " }, intentions = new[] { "助老服务" },
        availability = new[] { new { day = "saturday", from = "09:00", to = "12:00" } }, demonstrationHousehold = true, gridRole,
    };

    [Fact]
    public async Task A_member_registers_changes_moves_changes_unit_and_leaves_with_an_event_each_time()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await using var events = await EventProbe<MemberChanged>.StartAsync(platform);

        var member = await (await client.PostJsonAsync(county.Path("members"), NewMember(county, gridRole: "reporting"))).OkAsync(HttpStatusCode.Created);
        Assert.Equal(["水电维修", "电脑维修"], member.GetProperty("skills").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("13912345678", (await client.GetJsonAsync(county.Path($"members/{member.Id()}"))).GetProperty("phone").GetString());
        var listed = await client.GetJsonAsync(county.Path("members?skill=电脑维修"));
        Assert.Equal("139****5678", listed.GetProperty("items")[0].GetProperty("phone").GetString());

        await (await client.PutJsonAsync(county.Path($"members/{member.Id()}"), new
        {
            name = "赵敏", phone = "13912345678", skills = new[] { "法律咨询" }, intentions = Array.Empty<string>(),
            availability = new[] { new { day = "sunday", from = "14:00", to = "17:00" } }, demonstrationHousehold = false, gridRole = "reporting",
        }, ifMatch: "\"1\"")).OkAsync();
        await (await client.PostJsonAsync(county.Path($"members/{member.Id()}/move"), new { communityId = county.Community2.Id, gridId = county.Grid3.Id })).OkAsync();
        await (await client.PostJsonAsync(county.Path($"members/{member.Id()}/change-unit"), new { unitId = county.Unit2.Id })).OkAsync();
        var left = await (await client.PostJsonAsync(county.Path($"members/{member.Id()}/leave"), new { reason = "调离本县" })).OkAsync();

        Assert.Equal("left", left.GetProperty("status").GetString());
        await (await client.PutJsonAsync(county.Path($"members/{member.Id()}"), new { name = "x", phone = "13912345678" }))
            .ProblemAsync(HttpStatusCode.Conflict, "member_left");
        var moved = await events.WaitForAsync(e => e.MemberId == member.Id() && e.Change == RegistryChange.Moved);
        Assert.Equal(county.Grid3.Id, moved.GridId);
        Assert.Equal(["法律咨询"], moved.Skills);
        Assert.Equal(DayOfWeek.Sunday, Assert.Single(moved.Availability).Day);
        var leftEvent = await events.WaitForAsync(e => e.MemberId == member.Id() && e.Change == RegistryChange.Left);
        Assert.Equal(5, leftEvent.Version);
        Assert.Equal(county.Unit2.Id, leftEvent.UnitId);
        // When the member joined and left travel with every event (a past period's three failures count by them).
        static long? Micros(DateTimeOffset? at) => at?.UtcTicks / 10; // the database's precision
        Assert.Equal(Micros(member.GetProperty("createdAt").GetDateTimeOffset()), Micros(moved.JoinedAt));
        Assert.Null(moved.LeftAt);
        Assert.Equal(Micros(left.GetProperty("leftAt").GetDateTimeOffset()), Micros(leftEvent.LeftAt));
        Assert.Equal(Micros(member.GetProperty("createdAt").GetDateTimeOffset()), Micros(leftEvent.JoinedAt));
        Assert.Equal(0, (await client.GetJsonAsync(county.Path($"members?q=赵敏"))).GetProperty("total").GetInt64());
        Assert.Equal(1, (await client.GetJsonAsync(county.Path($"members?q=赵敏&status=left"))).GetProperty("total").GetInt64());
    }

    public static TheoryData<string, string> InvalidMembers => new()
    {
        { "code", "code" }, { "name", "name" }, { "phone", "phone" }, { "phone_digits", "phone" }, { "unit", "unitId" }, { "community", "communityId" },
        { "skills", "skills" }, { "availability", "availability[0]" },
    };

    [Theory]
    [MemberData(nameof(InvalidMembers))]
    public async Task An_invalid_member_is_a_400_naming_the_field_and_writes_nothing(string broken, string field)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var body = JsonSerializer.SerializeToNode(NewMember(county), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();
        switch (broken)
        {
            case "code": body.Remove("code"); break;
            case "name": body["name"] = new string('名', 51); break;
            case "phone": body["phone"] = "12345"; break;
            case "phone_digits": body["phone"] = "１３９１２３４５６７８"; break;
            case "unit": body.Remove("unitId"); break;
            case "community": body.Remove("communityId"); break;
            case "skills": body["skills"] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, 21).Select(i => (System.Text.Json.Nodes.JsonNode?)$"技能{i}").ToArray()); break;
            case "availability": body["availability"] = JsonSerializer.SerializeToNode(new[] { new { day = "monday", from = "12:00", to = "09:00" } }); break;
        }
        var written = await Outbox.WrittenAsync(platform);

        await (await client.PostJsonAsync(county.Path("members"), body.ToJsonString())).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", field);

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal(4, (await client.GetJsonAsync(county.Path("members"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task References_must_fit_codes_are_unique_and_a_grid_has_one_member_of_each_role()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await (await client.PostJsonAsync(county.Path("members"), NewMember(county, "M9001", gridRole: "without_post"))).OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.PostJsonAsync(county.Path("members"), NewMember(county, "M9002", gridRole: "without_post")))
            .ProblemAsync(HttpStatusCode.Conflict, "grid_role_taken", "gridRole");
        await (await client.PostJsonAsync(county.Path("members"), NewMember(county, "M0001")))
            .ProblemAsync(HttpStatusCode.Conflict, "member_code_taken", "code");
        await (await client.PostJsonAsync(county.Path("members"), new { code = "M9003", name = "钱", phone = "13900000000", unitId = county.CommunityOrganisation1.Id, communityId = county.Community1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "unitId");
        await (await client.PostJsonAsync(county.Path("members"), new { code = "M9003", name = "钱", phone = "13900000000", unitId = county.Unit1.Id, communityId = county.Grid1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "communityId");
        await (await client.PostJsonAsync(county.Path("members"), new { code = "M9003", name = "钱", phone = "13900000000", unitId = county.Unit1.Id, communityId = county.Community1.Id, gridId = county.Grid3.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "gridId");
        await (await client.PostJsonAsync(county.Path("members"), new { code = "M9003", name = "钱", phone = "13900000000", unitId = Guid.NewGuid(), communityId = county.Community1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "unitId");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task Skills_repeated_past_the_limit_count_once_each()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var five = new[] { "水电维修", "电脑维修", "法律咨询", "心理疏导", "助老服务" };

        // Twenty-five entries, five different ones: within the limit of twenty, and saved once each.
        var member = await (await client.PostJsonAsync(county.Path("members"), new
        {
            code = "M9201", name = "孙丽", phone = "13912340001", unitId = county.Unit1.Id, communityId = county.Community1.Id,
            skills = Enumerable.Repeat(five, 5).SelectMany(s => s).ToArray(),
        })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(five.Order(StringComparer.Ordinal), member.GetProperty("skills").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));

        // Twenty-one different ones are too many.
        await (await client.PostJsonAsync(county.Path("members"), new
        {
            code = "M9202", name = "周强", phone = "13912340002", unitId = county.Unit1.Id, communityId = county.Community1.Id,
            skills = Enumerable.Range(1, 21).Select(i => $"技能{i}").ToArray(),
        })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "skills");
    }

    [Fact]
    public async Task Two_members_racing_for_a_grids_role_never_both_take_it()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);

        // "1+1": each round, two members registered at the same moment ask for the same role of grid 2.
        var round = 0;
        foreach (var role in new[] { "reporting", "without_post" })
        {
            round++;
            var racing = await Task.WhenAll(
                client.PostJsonAsync(county.Path("members"), NewMember(county, $"M91{round}1", "13911110001", gridRole: role)),
                client.PostJsonAsync(county.Path("members"), NewMember(county, $"M91{round}2", "13911110002", gridRole: role)));
            Assert.Single(racing, r => r.StatusCode == HttpStatusCode.Created);
            await racing.Single(r => r.StatusCode != HttpStatusCode.Created).ProblemAsync(HttpStatusCode.Conflict, "grid_role_taken", "gridRole");
            var holders = await client.GetJsonAsync(county.Path($"members?gridId={county.Grid2.Id}&gridRole={role}"));
            Assert.Equal(1, holders.GetProperty("total").GetInt64());
        }
    }

    [Fact]
    public async Task Teams_gather_members_and_leaving_the_roll_releases_teams_posts_and_offices()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await using var teamEvents = await EventProbe<VolunteerTeamChanged>.StartAsync(platform);
        await using var postEvents = await EventProbe<PublicServicePostChanged>.StartAsync(platform);
        await using var organisationEvents = await EventProbe<OrganisationChanged>.StartAsync(platform);
        var member = county.Members[0];

        var team = await (await client.PostJsonAsync(county.Path("volunteer-teams"), new { name = "东门应急队", type = "emergency", communityId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);
        var joined = await (await client.PostJsonAsync(county.Path($"volunteer-teams/{team.Id()}/members"), new { memberId = member.Id })).OkAsync(HttpStatusCode.Created);
        Assert.Equal("张伟", joined.GetProperty("members")[0].GetProperty("name").GetString());
        await (await client.PostJsonAsync(county.Path($"volunteer-teams/{team.Id()}/members"), new { memberId = member.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "team_member_exists", "memberId");
        var post = await (await client.PostJsonAsync(county.Path("public-service-posts"), new { name = "政策宣传岗", communityId = county.Community1.Id, capacity = 3 }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"public-service-posts/{post.Id()}/claims"), new { memberId = member.Id })).OkAsync(HttpStatusCode.Created);
        Assert.Single((await client.GetJsonAsync(county.Path($"members/{member.Id}/posts"))).EnumerateArray());
        var unit = await (await client.PostJsonAsync(county.Path($"organisations/{county.Unit1.Id}/officers"), new { memberId = member.Id, role = "secretary" }))
            .OkAsync(HttpStatusCode.Created);
        var unitVersion = unit.GetProperty("version").GetInt32();

        await (await client.PostJsonAsync(county.Path($"members/{member.Id}/leave"), new { })).OkAsync();

        Assert.Equal(0, (await client.GetJsonAsync(county.Path($"volunteer-teams/{team.Id()}"))).GetProperty("members").GetArrayLength());
        Assert.Equal(0, (await client.GetJsonAsync(county.Path($"public-service-posts/{post.Id()}"))).GetProperty("holders").GetArrayLength());
        await teamEvents.WaitForAsync(e => e.TeamId == team.Id() && e.Version == 3 && e.MemberIds.Count == 0);
        await postEvents.WaitForAsync(e => e.PostId == post.Id() && e.Version == 3 && e.HolderIds.Count == 0);
        // Their office ends too, and the organisation announces it.
        var after = await client.GetJsonAsync(county.Path($"organisations/{county.Unit1.Id}"));
        Assert.Equal(0, after.GetProperty("officers").GetArrayLength());
        Assert.Equal(unitVersion + 1, after.GetProperty("version").GetInt32());
        await organisationEvents.WaitForAsync(e => e.OrganisationId == county.Unit1.Id && e.Version == unitVersion + 1 && e.Officers.Count == 0);
        await (await client.PostJsonAsync(county.Path($"volunteer-teams/{team.Id()}/members"), new { memberId = member.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "memberId");
    }

    [Fact]
    public async Task Two_members_racing_for_the_last_place_of_a_post_never_both_win()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var post = await (await client.PostJsonAsync(county.Path("public-service-posts"), new { name = "环境卫生岗", communityId = county.Community1.Id, capacity = 1 }))
            .OkAsync(HttpStatusCode.Created);

        var claims = await Task.WhenAll(county.Members.Select(m => client.PostJsonAsync(county.Path($"public-service-posts/{post.Id()}/claims"), new { memberId = m.Id })));

        Assert.Single(claims, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(claims.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var holder = Assert.Single((await client.GetJsonAsync(county.Path($"public-service-posts/{post.Id()}"))).GetProperty("holders").EnumerateArray());
        var loser = county.Members.First(m => m.Id != holder.GetProperty("memberId").GetGuid());
        await (await client.PostJsonAsync(county.Path($"public-service-posts/{post.Id()}/claims"), new { memberId = loser.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "post_full");
    }

    [Fact]
    public async Task Reported_members_without_a_post_and_members_by_report_status_are_listed()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await RegistrySeedReports.ReportAsync(platform, county, ReportStatus.Confirmed, county.Members[0], county.Members[1], county.Members[2]);
        await RegistrySeedReports.ReportAsync(platform, county, ReportStatus.Pending, county.Members[3]);
        var post = await (await client.PostJsonAsync(county.Path("public-service-posts"), new { name = "助老岗", communityId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"public-service-posts/{post.Id()}/claims"), new { memberId = county.Members[0].Id })).OkAsync(HttpStatusCode.Created);

        var withoutPost = await client.GetJsonAsync(county.Path("members/without-post"));
        Assert.Equal(["M0002", "M0003"], withoutPost.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("code").GetString()));
        var ofUnit2 = await client.GetJsonAsync(county.Path($"members/without-post?unitId={county.Unit2.Id}"));
        Assert.Equal(["M0003"], ofUnit2.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("code").GetString()));
        Assert.Equal(1, (await client.GetJsonAsync(county.Path("members?reportStatus=pending"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(county.Path("members?reportStatus=none"))).GetProperty("total").GetInt64());
        await (await client.GetAsync(county.Path("members?reportStatus=maybe"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "reportStatus");
    }

    [Fact]
    public async Task Another_countys_members_teams_and_posts_are_not_found_under_this_countys_path()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await RegistrySeed.CountyAsync(platform);
        var b = await RegistrySeed.CountyAsync(platform);
        var team = await (await client.PostJsonAsync(a.Path("volunteer-teams"), new { name = "A队", type = "service", communityId = a.Community1.Id })).OkAsync(HttpStatusCode.Created);
        var post = await (await client.PostJsonAsync(a.Path("public-service-posts"), new { name = "A岗", communityId = a.Community1.Id })).OkAsync(HttpStatusCode.Created);
        var member = a.Members[0];
        var written = await Outbox.WrittenAsync(platform);

        await (await client.GetAsync(b.Path($"members/{member.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.PutJsonAsync(b.Path($"members/{member.Id}"), new { name = "x", phone = "13900000000" })).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.PostJsonAsync(b.Path($"members/{member.Id}/move"), new { communityId = b.Community1.Id })).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.PostJsonAsync(b.Path($"members/{member.Id}/change-unit"), new { unitId = b.Unit1.Id })).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.PostJsonAsync(b.Path($"members/{member.Id}/leave"), new { })).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.GetAsync(b.Path($"members/{member.Id}/posts"))).ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
        await (await client.PostJsonAsync(b.Path("members"), new { code = "M7", name = "x", phone = "13900000000", unitId = a.Unit1.Id, communityId = b.Community1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "unitId");
        await (await client.GetAsync(b.Path($"volunteer-teams/{team.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "volunteer_team_not_found");
        await (await client.PostJsonAsync(b.Path($"volunteer-teams/{team.Id()}/members"), new { memberId = b.Members[0].Id })).ProblemAsync(HttpStatusCode.NotFound, "volunteer_team_not_found");
        await (await client.PostJsonAsync(b.Path($"volunteer-teams/{team.Id()}/retire"))).ProblemAsync(HttpStatusCode.NotFound, "volunteer_team_not_found");
        await (await client.GetAsync(b.Path($"public-service-posts/{post.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "public_service_post_not_found");
        await (await client.PostJsonAsync(b.Path($"public-service-posts/{post.Id()}/claims"), new { memberId = b.Members[0].Id })).ProblemAsync(HttpStatusCode.NotFound, "public_service_post_not_found");
        await (await client.PostJsonAsync(b.Path($"public-service-posts/{post.Id()}/retire"))).ProblemAsync(HttpStatusCode.NotFound, "public_service_post_not_found");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal("active", (await client.GetJsonAsync(a.Path($"members/{member.Id}"))).GetProperty("status").GetString());
    }
}
