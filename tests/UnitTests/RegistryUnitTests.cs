using Platform.ServiceDefaults.Http;
using Platform.DemoCounty;
using Platform.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Imports;
using Platform.Registry.Members;
using Platform.Registry.Organisations;

namespace Platform.UnitTests;

public sealed class CsvTableTests
{
    [Fact]
    public void Quoted_cells_hold_commas_quotes_and_line_breaks_and_rows_keep_their_line_numbers()
    {
        var table = CsvTable.Parse("\uFEFFCode,Name,Level\r\nC1,\"东门社区, 新\",community\n\nS1,\"说\"\"报到\"\"\",street\nG1,\"第一\n网格\",grid\n");

        Assert.Equal(["code", "name", "level"], table.Header);
        Assert.Equal([2, 4, 5], table.Rows.Select(r => r.Line));
        Assert.Equal("东门社区, 新", table.Rows[0]["name"]);
        Assert.Equal("说\"报到\"", table.Rows[1]["name"]);
        Assert.Equal("第一\n网格", table.Rows[2]["name"]);
        Assert.Null(table.Rows[0]["parent_code"]);
    }

    [Fact]
    public void A_quote_never_closed_names_its_line()
    {
        var error = Assert.Throws<FormatException>(() => CsvTable.Parse("code,name\nS1,ok\nS2,\"never closed\n"));
        Assert.Contains("Line 3", error.Message);
    }
}

public sealed class RegistryRulesTests
{
    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("0826-5221234", "082*****1234")]
    [InlineData("123456", "****56")]
    public void Phones_are_masked_keeping_the_first_three_and_last_four_digits(string phone, string masked) =>
        Assert.Equal(masked, PhoneMask.Mask(phone));

    [Fact]
    public void Enum_values_travel_in_snake_case_and_back()
    {
        Assert.Equal("government_unit", Wire.Of(OrganisationKind.GovernmentUnit));
        Assert.True(Wire.TryParse<OrganisationKind>("grid_branch", out var kind));
        Assert.Equal(OrganisationKind.GridBranch, kind);
        Assert.False(Wire.TryParse<OrganisationKind>("GridBranch", out _));
    }

    [Fact]
    public void Each_level_sits_only_under_the_level_above_so_the_tree_cannot_cycle()
    {
        Assert.Empty(AreaLevels.AllowedParents(AreaLevel.Street));
        Assert.Equal([AreaLevel.Street, AreaLevel.Township], AreaLevels.AllowedParents(AreaLevel.Village));
        Assert.Equal([AreaLevel.Grid], AreaLevels.AllowedParents(AreaLevel.Compound));
        foreach (var level in Enum.GetValues<AreaLevel>())
        {
            Assert.All(AreaLevels.AllowedParents(level), parent => Assert.True(parent < level));
        }
    }
}

public sealed class DemoCountyTests
{
    [Fact]
    public void The_same_seed_gives_the_same_county_at_the_scale_of_the_source_material()
    {
        var first = DemoCountyGenerator.Generate(7);
        var again = DemoCountyGenerator.Generate(7);
        var other = DemoCountyGenerator.Generate(8);

        Assert.Equal(first, again);
        Assert.NotEqual(first.Members, other.Members);
        int Rows(string csv) => csv.Count(c => c == '\n') - 1;
        Assert.Equal(DemoCountyGenerator.Members, Rows(first.Members));
        Assert.Equal(DemoCountyGenerator.Grids, first.Areas.Split('\n').Count(l => l.Contains(",grid,")));
        Assert.Equal(DemoCountyGenerator.Units, first.Organisations.Split('\n').Count(l => l.Contains(",government_unit,") || l.Contains(",enterprise,") || l.Contains(",institution,")));
        Assert.InRange(Rows(first.Reports), DemoCountyGenerator.Members * 85 / 100, DemoCountyGenerator.Members * 95 / 100);
    }
}
