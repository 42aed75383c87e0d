using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Contracts.Registry;
using Platform.DemoCounty;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>Bulk CSV import through the gateway: validate everything first, all or nothing, idempotent by natural key.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ImportsTests(PlatformFixture fixture)
{
    private static readonly DemoCountyFiles Demo = DemoCountyGenerator.Generate();

    [Fact]
    public async Task The_demo_county_loads_through_the_gateway_and_reimporting_it_changes_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        var loader = new DemoCountyLoader(client);

        var results = await loader.LoadAsync(code, "岳池县", Demo);

        Assert.Equal([250 - 1, 91, 8636, 92, 7776], results.Select(r => r.GetProperty("created").GetInt32()));
        var path = $"/api/registry/counties/{code}";
        Assert.Equal(8636, (await client.GetJsonAsync($"{path}/members?pageSize=1")).GetProperty("total").GetInt64());
        Assert.Equal(69, (await client.GetJsonAsync($"{path}/organisations?unit=true&pageSize=1")).GetProperty("total").GetInt64());
        Assert.Equal(223, (await client.GetJsonAsync($"{path}/areas?level=grid&pageSize=1")).GetProperty("total").GetInt64());

        var written = await Outbox.WrittenAsync(platform);
        var again = await loader.ImportAsync(code, "members", Demo.Members);
        Assert.Equal((0, 0, 8636), (again.GetProperty("created").GetInt32(), again.GetProperty("updated").GetInt32(), again.GetProperty("unchanged").GetInt32()));
        Assert.Equal(written, await Outbox.WrittenAsync(platform));

        // 应报不报 and "holds no post" on the demo county: every member of a paired unit without a confirmed report, and every confirmed member (no posts yet).
        var missing = await client.GetJsonAsync($"{path}/reports/missing/summary?groupBy=unit");
        var confirmed = Demo.Reports.Split('\n').Count(l => l.EndsWith(",confirmed"));
        Assert.Equal(8636 - confirmed, missing.GetProperty("county").GetProperty("missing").GetInt32());
        Assert.Equal(69, missing.GetProperty("groups").GetArrayLength());
        var missingList = await client.GetJsonAsync($"{path}/reports/missing?pageSize=5");
        Assert.Equal(8636 - confirmed, missingList.GetProperty("total").GetInt64());
        Assert.Equal(confirmed, (await client.GetJsonAsync($"{path}/members/without-post?pageSize=1")).GetProperty("total").GetInt64());

        // Dispatch and Evaluation copy all of it from the events (and the tests after this one do not wait behind the backlog).
        var countyId = (await client.GetJsonAsync(path)).GetProperty("id").GetGuid();
        foreach (var service in new[] { "dispatch", "evaluation" })
        {
            await Poll.UntilAsync(
                () => platform.Fixture.QueryScalarAsync<long>(platform.Databases[service].Name, $"SELECT count(*) FROM registry_reports WHERE county_id = '{countyId}'"),
                n => n == 7776, TimeSpan.FromMinutes(3), $"{service} to copy every report of the demo county");
        }
    }

    [Fact]
    public async Task The_documented_sample_files_import_in_order()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var loader = new DemoCountyLoader(client);
        var folder = Path.Combine(Platform.LocalInfrastructure.RepositoryRoot.Path, "samples", "registry");

        foreach (var kind in new[] { "areas", "organisations", "members", "pairings", "reports" })
        {
            var csv = await File.ReadAllTextAsync(Path.Combine(folder, kind + ".csv"));
            var result = await loader.ImportAsync(code, kind, csv);
            Assert.True(result.GetProperty("created").GetInt32() > 0, $"{kind}: {result}");
        }
    }

    [Fact]
    public async Task A_file_with_fifty_scattered_bad_rows_is_refused_whole_with_every_error()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        var loader = new DemoCountyLoader(client);
        await Counties.RegisterAsync(client, code, "武胜县");
        await loader.ImportAsync(code, "areas", Demo.Areas);
        await loader.ImportAsync(code, "organisations", Demo.Organisations);
        var lines = Demo.Members.TrimEnd('\n').Split('\n');
        var badLines = Enumerable.Range(0, 50).Select(i => 2 + i * 170).ToHashSet();
        var broken = string.Join('\n', lines.Select((line, index) =>
        {
            var lineNumber = index + 1;
            if (!badLines.Contains(lineNumber))
            {
                return line;
            }
            var cells = line.Split(',');
            cells[2] = "12-ab";
            return string.Join(',', cells);
        })) + "\n";
        var written = await Outbox.WrittenAsync(platform);

        using var response = await client.PostAsync($"/api/registry/counties/{code}/imports/members", new StringContent(broken, Encoding.UTF8, "text/csv"));

        var problem = await response.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(50, errors.Count);
        Assert.Equal(badLines.Order(), errors.Select(e => e.GetProperty("row").GetInt32()));
        Assert.All(errors, e => Assert.Equal("phone", e.GetProperty("field").GetString()));
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal(0, (await client.GetJsonAsync($"/api/registry/counties/{code}/members?pageSize=1")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_members_file_hands_a_grids_role_from_one_member_to_another_and_a_grid_in_use_keeps_its_community()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var loader = new DemoCountyLoader(client);
        await loader.ImportAsync(code, "areas", "code,name,level,parent_code\nS1,城关街道,street,\nC1,东门社区,community,S1\nG1,第一网格,grid,C1\n");
        await loader.ImportAsync(code, "organisations", "code,name,kind,area_code\nU01,县财政局机关党支部,government_unit,\n");
        const string header = "code,name,phone,unit_code,community_code,grid_code,grid_role\n";
        await loader.ImportAsync(code, "members", header + "M1,王强,13900000001,U01,C1,G1,reporting\nM2,李娜,13900000002,U01,C1,G1,\n");

        // This year the roles change hands: M2 reports for the grid, M1 is its member without a post.
        var swapped = await loader.ImportAsync(code, "members", header + "M1,王强,13900000001,U01,C1,G1,without_post\nM2,李娜,13900000002,U01,C1,G1,reporting\n");
        Assert.Equal(2, swapped.GetProperty("updated").GetInt32());
        var members = (await client.GetJsonAsync($"/api/registry/counties/{code}/members")).GetProperty("items").EnumerateArray()
            .ToDictionary(m => m.GetProperty("code").GetString()!, m => m.GetProperty("gridRole").GetString());
        Assert.Equal(("without_post", "reporting"), (members["M1"], members["M2"]));

        // A file giving one role to two members is still refused whole.
        using var twice = await client.PostAsync($"/api/registry/counties/{code}/imports/members",
            new StringContent(header + "M1,王强,13900000001,U01,C1,G1,reporting\nM2,李娜,13900000002,U01,C1,G1,reporting\n", Encoding.UTF8, "text/csv"));
        var problem = await twice.ProblemAsync((HttpStatusCode)422, "import_invalid");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "grid_role");

        // A grid its members name with their community does not move to another community by a file, as by the API.
        using var moved = await client.PostAsync($"/api/registry/counties/{code}/imports/areas",
            new StringContent("code,name,level,parent_code\nC2,西门社区,community,S1\nG1,第一网格,grid,C2\n", Encoding.UTF8, "text/csv"));
        var refused = await moved.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var error = Assert.Single(refused.GetProperty("errors").EnumerateArray());
        Assert.Equal((3, "parent_code"), (error.GetProperty("row").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("2 active members", error.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Rows_reference_earlier_rows_changed_rows_update_and_bad_references_are_all_reported()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var loader = new DemoCountyLoader(client);
        await using var events = await EventProbe<AreaChanged>.StartAsync(platform);

        // A grid may name its community further down the same file.
        var created = await loader.ImportAsync(code, "areas", "code,name,level,parent_code\nG1,第一网格,grid,C1\n\"C1\",\"东门社区\",community,S1\nS1,城关街道,street,\n");
        Assert.Equal(3, created.GetProperty("created").GetInt32());
        var updated = await loader.ImportAsync(code, "areas", "\uFEFFcode,name,level,parent_code\r\nS1,城关街道,street,\r\nC1,\"东门社区, 新\",community,S1\r\n");
        Assert.Equal((0, 1, 1), (updated.GetProperty("created").GetInt32(), updated.GetProperty("updated").GetInt32(), updated.GetProperty("unchanged").GetInt32()));
        var renamed = await events.WaitForAsync(e => e.Code == "C1" && e.Change == RegistryChange.Updated);
        Assert.Equal("东门社区, 新", renamed.Name);
        Assert.Equal(2, renamed.Version);

        using var bad = await client.PostAsync($"/api/registry/counties/{code}/imports/areas", new StringContent(
            "code,name,level,parent_code\nG2,第二网格,grid,C9\nS2,,street,\nC2,二社区,community,G1\nS1,重复,street,\nS1,重复,street,\nX1,小区,planet,G1\n", Encoding.UTF8, "text/csv"));
        var problem = await bad.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Contains((2, "parent_code"), errors);
        Assert.Contains((3, "name"), errors);
        Assert.Contains((4, "parent_code"), errors);
        Assert.Contains((6, "code"), errors);
        Assert.Contains((7, "level"), errors);
        Assert.Equal(3, (await client.GetJsonAsync($"/api/registry/counties/{code}/areas")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Malformed_files_are_refused_with_a_clear_problem()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var path = $"/api/registry/counties/{code}/imports";

        await (await client.PostAsync($"{path}/areas", new StringContent("", Encoding.UTF8, "text/csv"))).ProblemAsync((HttpStatusCode)422, "import_empty");
        await (await client.PostAsync($"{path}/areas", new StringContent("code,name,level\n", Encoding.UTF8, "text/csv"))).ProblemAsync((HttpStatusCode)422, "import_empty");
        await (await client.PostAsync($"{path}/areas", new StringContent("code,name\nS1,x\n", Encoding.UTF8, "text/csv"))).ProblemAsync((HttpStatusCode)422, "import_columns_missing", "level");
        await (await client.PostAsync($"{path}/areas", new StringContent("code,name,level\nS1,\"x,street\n", Encoding.UTF8, "text/csv"))).ProblemAsync((HttpStatusCode)422, "import_malformed");
        await (await client.PostAsync($"{path}/areas", new ByteArrayContent([0x63, 0x6F, 0x64, 0x65, 0x0A, 0xC3, 0x28]) { Headers = { ContentType = new("text/csv") } }))
            .ProblemAsync((HttpStatusCode)422, "import_not_utf8");
        var notCsv = await (await client.PostAsync($"{path}/areas", new StringContent("{}", Encoding.UTF8, "application/json"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Contains("'application/json; charset=utf-8'", notCsv.GetProperty("detail").GetString());
        await (await client.PostAsync($"{path}/planets", new StringContent("a\n1\n", Encoding.UTF8, "text/csv"))).ProblemAsync(HttpStatusCode.NotFound, "import_kind_not_found");
        var huge = new StringBuilder("code,name,level,parent_code\n");
        while (huge.Length < 5 * 1024 * 1024)
        {
            huge.Append("S1,城关街道城关街道城关街道城关街道城关街道城关街道,street,\n");
        }
        // Expect: 100-continue, so the refusal comes before the body is sent.
        using var oversized = new HttpRequestMessage(HttpMethod.Post, $"{path}/areas") { Content = new StringContent(huge.ToString(), Encoding.UTF8, "text/csv") };
        oversized.Headers.ExpectContinue = true;
        using var tooLarge = await client.SendAsync(oversized);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(0, (await client.GetJsonAsync($"/api/registry/counties/{code}/areas")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_file_in_the_charset_its_content_type_names_is_read_in_it()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var code = Counties.NewCode();
        await Counties.RegisterAsync(client, code);
        var path = $"/api/registry/counties/{code}/imports/areas";
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var gbk = Encoding.GetEncoding("gbk").GetBytes("code,name,level,parent_code\nS1,城关街道,street,\nC1,东门社区,community,S1\n");
        ByteArrayContent Csv(byte[] bytes, string contentType) => new(bytes) { Headers = { ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType) } };

        // A spreadsheet's "CSV" on a Chinese desktop is GBK: without its charset named it is not UTF-8.
        var notUtf8 = await (await client.PostAsync(path, Csv(gbk, "text/csv"))).ProblemAsync((HttpStatusCode)422, "import_not_utf8");
        Assert.Contains("charset=gbk", notUtf8.GetProperty("detail").GetString());
        var imported = await client.PostAsync(path, Csv(gbk, "text/csv; charset=gbk"));
        Assert.Equal(2, (await imported.OkAsync()).GetProperty("created").GetInt32());
        var areas = await client.GetJsonAsync($"/api/registry/counties/{code}/areas?level=community");
        Assert.Equal("东门社区", areas.GetProperty("items")[0].GetProperty("name").GetString());

        // GB 18030 (GBK's superset) reads the same file: nothing changes.
        var again = await client.PostAsync(path, Csv(gbk, "text/csv; charset=GB18030"));
        Assert.Equal(2, (await again.OkAsync()).GetProperty("unchanged").GetInt32());

        // Bytes the named charset cannot decode (a lead byte with no trail), and a charset no encoding answers to.
        byte[] broken = [.. Encoding.ASCII.GetBytes("code,name,level\nS2,"), 0x81, 0x0A];
        var undecodable = await (await client.PostAsync(path, Csv(broken, "text/csv; charset=gbk"))).ProblemAsync((HttpStatusCode)422, "import_not_in_charset");
        Assert.Contains("gbk", undecodable.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await (await client.PostAsync(path, Csv(gbk, "text/csv; charset=x-county-legacy"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal(2, (await client.GetJsonAsync($"/api/registry/counties/{code}/areas")).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("areas", "code,name,level,parent_code\nS10,a\0b,street,\n", 2, "name")]
    [InlineData("members", "code,name,phone,unit_code,community_code\nM9\0,张三,13800000009,U01,C01\n", 2, "code")]
    [InlineData("pairings", "unit_code,community_code,starts_on\nU01,C01,2026-01-01\nU01,C\0,2026-01-01\n", 3, "community_code")]
    public async Task A_nul_character_in_a_cell_is_a_row_error_naming_the_cell_and_imports_nothing(string kind, string csv, int row, string field)
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);

        using var response = await client.PostAsync(county.Path($"imports/{kind}"), new StringContent(csv, Encoding.UTF8, "text/csv"));

        var problem = await response.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((row, field), (error.GetProperty("row").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("NUL", error.GetProperty("rule").GetString());
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task A_cell_past_the_header_is_a_row_error_not_silently_dropped()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);
        // An unquoted comma in the last cell splits it: "S1,北" would import as S1 and drop the rest. An empty trailing cell is fine.
        const string csv = "code,name,level,parent_code\nC26,东门社区,community,S1,北\nS27,白庙镇,township,,\n";

        using var response = await client.PostAsync(county.Path("imports/areas"), new StringContent(csv, Encoding.UTF8, "text/csv"));

        var problem = await response.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "column 5"), (error.GetProperty("row").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("double quotes", error.GetProperty("rule").GetString());
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
    }

    [Fact]
    public async Task A_pairings_import_refuses_periods_overlapping_a_stored_pairing_or_another_row()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        await (await client.PostJsonAsync(county.Path("pairings"), new { unitId = county.Unit1.Id, communityId = county.Community1.Id, startsOn = "2025-01-01", endsOn = "2025-12-31" }))
            .OkAsync(HttpStatusCode.Created);
        var written = await Outbox.WrittenAsync(platform);

        using var response = await client.PostAsync(county.Path("imports/pairings"), new StringContent(
            "unit_code,community_code,starts_on,ends_on\nU01,C01,2025-06-01,\nU02,C02,2026-01-01,\nU02,C02,2026-03-01,2026-04-01\nU01,C01,2026-01-01,\nU02,C01,2025-06-01,\n",
            Encoding.UTF8, "text/csv"));

        var problem = await response.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(2, "starts_on"), (4, "starts_on"), (5, "starts_on")], errors);
        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal(1, (await client.GetJsonAsync(county.Path("pairings"))).GetProperty("total").GetInt64());

        // The stored pairing's own row may change its period, and the rest of the file then fits.
        var imported = await new DemoCountyLoader(client).ImportAsync(county.Code, "pairings",
            "unit_code,community_code,starts_on,ends_on\nU01,C01,2025-01-01,2025-05-31\nU01,C01,2025-06-01,\n");
        Assert.Equal((1, 1), (imported.GetProperty("created").GetInt32(), imported.GetProperty("updated").GetInt32()));
    }

    [Fact]
    public async Task Imports_neither_change_retired_areas_or_organisations_nor_add_under_a_retired_node()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await RegistrySeed.CountyAsync(platform);
        var community = await (await client.PostJsonAsync(county.Path("areas"), new { code = "C09", name = "旧社区", level = "community", parentId = county.Street.Id }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"areas/{community.Id()}/retire"))).OkAsync();
        var unit = await (await client.PostJsonAsync(county.Path("organisations"), new { code = "U09", name = "旧单位", kind = "enterprise" }))
            .OkAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync(county.Path($"organisations/{unit.Id()}/retire"))).OkAsync();
        var written = await Outbox.WrittenAsync(platform);

        using var areas = await client.PostAsync(county.Path("imports/areas"), new StringContent(
            "code,name,level,parent_code\nG10,新网格,grid,C09\nC09,改名社区,community,S01\n", Encoding.UTF8, "text/csv"));
        var areaErrors = (await areas.ProblemAsync((HttpStatusCode)422, "import_invalid")).GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString())).ToList();
        Assert.Equal([(2, "parent_code"), (3, "code")], areaErrors);
        using var organisations = await client.PostAsync(county.Path("imports/organisations"), new StringContent(
            "code,name,kind,area_code\nU09,改名单位,enterprise,\n", Encoding.UTF8, "text/csv"));
        var organisationError = Assert.Single((await organisations.ProblemAsync((HttpStatusCode)422, "import_invalid")).GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "code"), (organisationError.GetProperty("row").GetInt32(), organisationError.GetProperty("field").GetString()));

        Assert.Equal(written, await Outbox.WrittenAsync(platform));
        Assert.Equal("旧社区", (await client.GetJsonAsync(county.Path($"areas/{community.Id()}"))).GetProperty("name").GetString());
        Assert.Equal("旧单位", (await client.GetJsonAsync(county.Path($"organisations/{unit.Id()}"))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_import_into_one_county_cannot_reach_another_countys_records()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await RegistrySeed.CountyAsync(platform);
        var b = await RegistrySeed.CountyAsync(platform);
        var written = await Outbox.WrittenAsync(platform);

        // County B has its own C01/U01 codes; a member row naming A's-only codes fails, and B's import never touches A.
        using var response = await client.PostAsync(b.Path("imports/members"), new StringContent(
            "code,name,phone,unit_code,community_code\nM0001,张伟改,13800000001,U99,C01\n", Encoding.UTF8, "text/csv"));
        await response.ProblemAsync((HttpStatusCode)422, "import_invalid");
        var renamed = await new DemoCountyLoader(client).ImportAsync(b.Code, "members", "code,name,phone,unit_code,community_code,grid_code\nM0001,张伟改,13800000001,U01,C01,G01\n");

        Assert.Equal(1, renamed.GetProperty("updated").GetInt32());
        Assert.Equal("张伟", (await client.GetJsonAsync(a.Path($"members/{a.Members[0].Id}"))).GetProperty("name").GetString());
        Assert.Equal("张伟改", (await client.GetJsonAsync(b.Path($"members/{b.Members[0].Id}"))).GetProperty("name").GetString());
        Assert.Equal(written + 1, await Outbox.WrittenAsync(platform));
    }
}
