using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>The administrative tree through the gateway: life cycle, level rules, cycles, retirement, isolation.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AreasTests(PlatformFixture fixture)
{
    [Fact]
    public async Task A_tree_is_built_moved_renamed_and_retired_with_an_event_for_each_change()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        string Path(string p) => $"/api/registry/counties/{code}/{p}";
        await using var events = await EventProbe<AreaChanged>.StartAsync(platform);

        var street = await (await client.PostJsonAsync(Path("areas"), new { code = "S1", name = "城关街道", level = "street" })).OkAsync(HttpStatusCode.Created);
        var town = await (await client.PostJsonAsync(Path("areas"), new { code = "T1", name = "白庙镇", level = "township" })).OkAsync(HttpStatusCode.Created);
        var community = await (await client.PostJsonAsync(Path("areas"), new { code = "C1", name = "东门社区", level = "community", parentId = street.Id() })).OkAsync(HttpStatusCode.Created);
        var grid = await (await client.PostJsonAsync(Path("areas"), new { code = "G1", name = "第一网格", level = "grid", parentId = community.Id() })).OkAsync(HttpStatusCode.Created);
        using var compoundResponse = await client.PostJsonAsync(Path("areas"), new { code = "X1", name = "锦绣小区", level = "compound", parentId = grid.Id() });
        var compound = await compoundResponse.OkAsync(HttpStatusCode.Created);
        Assert.Equal("\"1\"", compoundResponse.Headers.ETag?.Tag);
        Assert.EndsWith($"/areas/{compound.Id()}", compoundResponse.Headers.Location!.ToString());

        var tree = await client.GetJsonAsync(Path("areas/tree"));
        Assert.Equal(["S1", "T1"], tree.EnumerateArray().Select(n => n.GetProperty("code").GetString()));
        Assert.Equal("X1", tree[0].GetProperty("children")[0].GetProperty("children")[0].GetProperty("children")[0].GetProperty("code").GetString());

        var renamed = await (await client.PutJsonAsync(Path($"areas/{community.Id()}"), new { code = "C1", name = "东门新社区" }, ifMatch: "\"1\"")).OkAsync();
        Assert.Equal(2, renamed.GetProperty("version").GetInt32());
        var moved = await (await client.PostJsonAsync(Path($"areas/{community.Id()}/move"), new { parentId = town.Id() })).OkAsync();
        Assert.Equal(town.Id(), moved.GetProperty("parentId").GetGuid());
        var children = await client.GetJsonAsync(Path($"areas/{town.Id()}/children"));
        Assert.Equal(community.Id(), children[0].Id());

        await (await client.PostJsonAsync(Path($"areas/{compound.Id()}/retire"))).OkAsync();
        var grids = await client.GetJsonAsync(Path($"areas?parentId={grid.Id()}"));
        Assert.Equal(0, grids.GetProperty("total").GetInt64());
        var withRetired = await client.GetJsonAsync(Path($"areas?parentId={grid.Id()}&includeRetired=true"));
        Assert.Equal(1, withRetired.GetProperty("total").GetInt64());
        var communities = await client.GetJsonAsync(Path("areas?level=community&q=东门"));
        Assert.Equal(1, communities.GetProperty("total").GetInt64());

        var movedEvent = await events.WaitForAsync(e => e.AreaId == community.Id() && e.Change == RegistryChange.Moved);
        Assert.Equal(3, movedEvent.Version);
        Assert.Equal(town.Id(), movedEvent.ParentId);
        var retiredEvent = await events.WaitForAsync(e => e.AreaId == compound.Id() && e.Change == RegistryChange.Retired);
        Assert.NotNull(retiredEvent.RetiredAt);
        await events.WaitForAsync(e => e.AreaId == grid.Id() && e.Change == RegistryChange.Created && e.Level == "grid");
    }

    public static TheoryData<string, string, string> InvalidNodes => new()
    {
        { """{"name":"东门社区","level":"street"}""", "validation_failed", "code" },
        { """{"code":"S 1","name":"东门社区","level":"street"}""", "validation_failed", "code" },
        { $$"""{"code":"{{new string('S', 33)}}","name":"东门社区","level":"street"}""", "validation_failed", "code" },
        { """{"code":"S1","level":"street"}""", "validation_failed", "name" },
        { $$"""{"code":"S1","name":"{{new string('街', 101)}}","level":"street"}""", "validation_failed", "name" },
        { """{"code":"S1","name":"城关街道"}""", "validation_failed", "level" },
        { """{"code":"S1","name":"城关街道","level":"province"}""", "malformed_json", "level" },
        { """{"code":"S1","name":"城关街道","level":0}""", "malformed_json", "level" },
        { """{"code":"S1","name":"城关街道","level":"street","parent":"x"}""", "malformed_json", "parent" },
    };

    [Theory]
    [MemberData(nameof(InvalidNodes))]
    public async Task An_invalid_node_is_a_400_naming_the_field_and_writes_nothing(string body, string code, string field)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);

        using var response = await client.PostJsonAsync(county.Path("areas"), body);

        await response.ProblemAsync(HttpStatusCode.BadRequest, code, field);
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal(6, (await client.GetJsonAsync(county.Path("areas"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task An_unknown_level_is_answered_with_the_levels_there_are()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var problem = await (await client.PostJsonAsync(county.Path("areas"), """{"code":"S9","name":"城关街道","level":"city"}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "malformed_json", "level");
        Assert.Equal("'level' must be one of street, township, community, village, grid, compound.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Parents_must_exist_be_active_and_of_an_allowed_level()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.PostJsonAsync(county.Path("areas"), new { code = "N1", name = "新社区", level = "community", parentId = Guid.NewGuid() }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "parentId");
        await (await client.PostJsonAsync(county.Path("areas"), new { code = "N1", name = "新网格", level = "grid", parentId = county.Street.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "parentId");
        await (await client.PostJsonAsync(county.Path("areas"), new { code = "N1", name = "新社区", level = "community" }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "parentId");
        await (await client.PostJsonAsync(county.Path("areas"), new { code = "N1", name = "新街道", level = "street", parentId = county.Street.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "parentId");
        await (await client.PostJsonAsync(county.Path("areas"), new { code = "G01", name = "重复网格", level = "grid", parentId = county.Community1.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "area_code_taken", "code");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task A_grid_that_members_or_pairings_name_cannot_move_to_another_community_and_an_unused_one_can()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var empty = await (await client.PostJsonAsync(county.Path("areas"), new { code = "G09", name = "空网格", level = "grid", parentId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);
        var paired = await (await client.PostJsonAsync(county.Path("areas"), new { code = "G08", name = "结对网格", level = "grid", parentId = county.Community1.Id }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path("pairings"), new { unitId = county.Unit1.Id, communityId = county.Community1.Id, gridIds = new[] { paired.Id() }, startsOn = "2026-01-01" }))
            .OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.PostJsonAsync(county.Path($"areas/{county.Grid1.Id}/move"), new { parentId = county.Community2.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "area_in_use");
        await (await client.PostJsonAsync(county.Path($"areas/{paired.Id()}/move"), new { parentId = county.Community2.Id }))
            .ProblemAsync(HttpStatusCode.Conflict, "area_in_use");
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal(county.Community1.Id, (await client.GetJsonAsync(county.Path($"areas/{county.Grid1.Id}"))).GetProperty("parentId").GetGuid());

        var moved = await (await client.PostJsonAsync(county.Path($"areas/{empty.Id()}/move"), new { parentId = county.Community2.Id })).OkAsync();
        Assert.Equal(county.Community2.Id, moved.GetProperty("parentId").GetGuid());
    }

    [Fact]
    public async Task Moving_a_node_under_itself_or_a_descendant_is_a_cycle_and_changes_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var compound = await (await client.PostJsonAsync(county.Path("areas"), new { code = "X1", name = "锦绣小区", level = "compound", parentId = county.Grid1.Id }))
            .OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.PostJsonAsync(county.Path($"areas/{county.Grid1.Id}/move"), new { parentId = county.Grid1.Id }))
            .ProblemAsync((HttpStatusCode)422, "tree_cycle", "parentId");
        await (await client.PostJsonAsync(county.Path($"areas/{county.Community1.Id}/move"), new { parentId = county.Grid1.Id }))
            .ProblemAsync((HttpStatusCode)422, "tree_cycle", "parentId");
        // A grid may not move under a compound (wrong level), nor a community under a grid.
        await (await client.PostJsonAsync(county.Path($"areas/{county.Grid2.Id}/move"), new { parentId = compound.Id() }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "parentId");

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        var grid1 = await client.GetJsonAsync(county.Path($"areas/{county.Grid1.Id}"));
        Assert.Equal(county.Community1.Id, grid1.GetProperty("parentId").GetGuid());
    }

    [Fact]
    public async Task Retiring_never_orphans_children_or_strands_members()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var empty = await (await client.PostJsonAsync(county.Path("areas"), new { code = "G09", name = "空网格", level = "grid", parentId = county.Community2.Id }))
            .OkAsync(HttpStatusCode.Created);

        await (await client.PostJsonAsync(county.Path($"areas/{county.Community1.Id}/retire")))
            .ProblemAsync(HttpStatusCode.Conflict, "area_has_active_children");
        var inUse = await (await client.PostJsonAsync(county.Path($"areas/{county.Grid3.Id}/retire")))
            .ProblemAsync(HttpStatusCode.Conflict, "area_in_use");
        Assert.Contains("1 active member", inUse.GetProperty("detail").GetString());
        await (await client.PostJsonAsync(county.Path($"areas/{empty.Id()}/retire"))).OkAsync();
        await (await client.PostJsonAsync(county.Path("areas"), new { code = "X9", name = "小区", level = "compound", parentId = empty.Id() }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "parentId");
        await (await client.PutJsonAsync(county.Path($"areas/{empty.Id()}"), new { code = "G09", name = "改名" }))
            .ProblemAsync(HttpStatusCode.Conflict, "area_retired");
    }

    [Fact]
    public async Task A_stale_If_Match_is_refused_with_412()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await (await client.PutJsonAsync(county.Path($"areas/{county.Grid1.Id}"), new { code = "G01", name = "一网格" }, ifMatch: "\"1\"")).OkAsync();

        await (await client.PutJsonAsync(county.Path($"areas/{county.Grid1.Id}"), new { code = "G01", name = "二网格" }, ifMatch: "\"1\""))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");

        Assert.Equal("一网格", (await client.GetJsonAsync(county.Path($"areas/{county.Grid1.Id}"))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Another_countys_nodes_are_not_found_under_this_countys_path()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await RegistrySeed.CountyAsync(platform);
        var b = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);

        await (await client.GetAsync(b.Path($"areas/{a.Grid1.Id}"))).ProblemAsync(HttpStatusCode.NotFound, "area_not_found");
        await (await client.GetAsync(b.Path($"areas/{a.Grid1.Id}/children"))).ProblemAsync(HttpStatusCode.NotFound, "area_not_found");
        await (await client.PutJsonAsync(b.Path($"areas/{a.Grid1.Id}"), new { code = "G01", name = "偷改" })).ProblemAsync(HttpStatusCode.NotFound, "area_not_found");
        await (await client.PostJsonAsync(b.Path($"areas/{a.Grid1.Id}/move"), new { parentId = b.Community1.Id })).ProblemAsync(HttpStatusCode.NotFound, "area_not_found");
        await (await client.PostJsonAsync(b.Path($"areas/{a.Grid2.Id}/retire"))).ProblemAsync(HttpStatusCode.NotFound, "area_not_found");
        await (await client.PostJsonAsync(b.Path("areas"), new { code = "G77", name = "跨县网格", level = "grid", parentId = a.Community1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "parentId");
        var bTree = await client.GetJsonAsync(b.Path("areas?pageSize=200"));
        Assert.DoesNotContain(bTree.GetProperty("items").EnumerateArray(), item => item.Id() == a.Grid1.Id);

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal("东门社区第一网格", (await client.GetJsonAsync(a.Path($"areas/{a.Grid1.Id}"))).GetProperty("name").GetString());
    }
}
