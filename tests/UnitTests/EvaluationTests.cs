using System.IO.Compression;
using System.Text;
using Platform.Contracts.Registry;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Rates;
using Platform.Evaluation.Records;
using Platform.Evaluation.Reports;
using Platform.Evaluation.Stars;

namespace Platform.UnitTests;

/// <summary>Evaluation's pure rules: periods in the county's calendar, booking to open months, pricing and caps, the rates, star scores, the export files.</summary>
public sealed class EvaluationTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Theory]
    [InlineData("2026-03", PeriodKind.Month, "2026-03")]
    [InlineData("2026-Q1", PeriodKind.Quarter, "2026-01,2026-02,2026-03")]
    [InlineData("2026", PeriodKind.Year, "2026-01,2026-02,2026-03,2026-04,2026-05,2026-06,2026-07,2026-08,2026-09,2026-10,2026-11,2026-12")]
    [InlineData("2026-W10", PeriodKind.Week, "")]
    public void A_period_key_parses_to_its_kind_and_months(string key, PeriodKind kind, string months)
    {
        Assert.True(Period.TryParse(key, out var period));
        Assert.Equal(kind, period.Kind);
        Assert.Equal(key, period.Key);
        Assert.Equal(months, string.Join(",", period.Months));
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("2026-Q5")]
    [InlineData("2026-W54")]
    [InlineData("26-03")]
    [InlineData("2026-3")]
    [InlineData("")]
    public void A_malformed_period_does_not_parse(string key) => Assert.False(Period.TryParse(key, out _));

    [Fact]
    public void A_period_begins_at_local_midnight_of_the_county()
    {
        Period.TryParse("2026-03", out var march);
        var span = PeriodSpan.Of(march, Shanghai);
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 16, 0, 0, TimeSpan.Zero), span.From);
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 16, 0, 0, TimeSpan.Zero), span.To);
        Period.TryParse("2026-W01", out var week);
        Assert.Equal(new DateOnly(2025, 12, 29), week.FirstDay);
        Assert.Equal("2026-03", CountyCalendar.MonthOf(new DateTimeOffset(2026, 2, 28, 16, 30, 0, TimeSpan.Zero), Shanghai));
        Assert.Equal(["2026-05", "2026-Q2", "2026"], Period.Month(2026, 5).Enclosing);
    }

    [Fact]
    public void A_line_of_a_closed_month_counts_in_the_first_open_month_after_it()
    {
        Assert.Equal("2026-03", Ledger.BookedMonth("2026-03", new HashSet<string>()));
        Assert.Equal("2026-04", Ledger.BookedMonth("2026-03", new HashSet<string> { "2026-03" }));
        Assert.Equal("2026-04", Ledger.BookedMonth("2026-02", new HashSet<string> { "2026-Q1" }));
        Assert.Equal("2027-01", Ledger.BookedMonth("2026-07", new HashSet<string> { "2026" }));
        Assert.Equal("2026-06", Ledger.BookedMonth("2026-04", new HashSet<string> { "2026-04", "2026-05" }));
    }

    [Fact]
    public void Points_are_priced_to_the_cent_and_held_within_the_cap_both_ways()
    {
        Assert.Equal(1.58m, Ledger.Price(new PointsRule("service_hour", "每服务一小时", 1, 20), 95 / 60m));
        Assert.Equal(-2m, Ledger.Price(new PointsRule("request_overdue", "超期", -2, null), 1));
        Assert.Equal(20m, Ledger.Clamp(23.5m, 20));
        Assert.Equal(-5m, Ledger.Clamp(-8m, 5));
        Assert.Equal(7m, Ledger.Clamp(7m, null));
    }

    private static RequestOutcome Outcome(bool responded = true, bool rated = false, bool satisfied = false, bool resolved = false, bool completed = false,
        bool onTime = false, bool overdue = false, bool reopened = false) =>
        new(Guid.NewGuid(), Guid.Empty, null, null, [], responded, rated, satisfied, resolved, completed, onTime, overdue, reopened);

    [Fact]
    public void The_rates_divide_by_their_own_populations()
    {
        var rates = RateFigures.Of(
        [
            Outcome(rated: true, satisfied: true, resolved: true, completed: true, onTime: true),
            Outcome(rated: true, satisfied: false, resolved: false, completed: true, onTime: false, reopened: true),
            Outcome(rated: true, satisfied: true, resolved: false, completed: true, onTime: true, reopened: true),
            Outcome(responded: false, overdue: true),
        ]);
        Assert.Equal(75m, rates.ResponseRate);
        Assert.Equal(25m, rates.ResolutionRate);
        Assert.Equal(66.67m, rates.SatisfactionRate);
        Assert.Equal(66.67m, rates.OnTimeRate);
        Assert.Equal(2, rates.Reopened);
        Assert.Equal(1, rates.Overdue);
        Assert.Null(RateFigures.Of([]).ResponseRate);
    }

    [Fact]
    public void A_star_score_leaves_out_indicators_with_nothing_to_measure()
    {
        IndicatorScore Score(decimal? value, decimal weight) => new("x", value, weight, 0, 0);
        Assert.Equal(85m, StarFigures.WeightedScore([Score(100, 20), Score(70, 20), Score(null, 60)]));
        Assert.Null(StarFigures.WeightedScore([Score(null, 20)]));
        Assert.Equal(3, StarFigures.Stars(StarRules.Default, 85m));
        Assert.Equal(5, StarFigures.Stars(StarRules.Default, 95m));
        Assert.Equal(0, StarFigures.Stars(StarRules.Default, 59.99m));
        Assert.Equal(0, StarFigures.Stars(StarRules.Default, null));
    }

    private static PeriodicReport Report()
    {
        var rates = RateFigures.Of([Outcome(completed: true, onTime: true)]);
        var unit = new ReportUnit(1, Guid.NewGuid(), "U01", "=HYPERLINK(\"x\")", 3, 2.5m, rates);
        return new PeriodicReport("monthly", "岳池县2026年3月月汇总", "2026-03", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, false, DateTimeOffset.UnixEpoch,
            "511621", "岳池县", "Asia/Shanghai", null, null, rates, new PeriodTotals(3, 90, 7.5m, 2),
            [new ReportCommunity(Guid.NewGuid(), "C01", "东门社区, 北区", rates, 4, 88.5m)], [unit], [unit], [unit], [], null);
    }

    [Fact]
    public void The_csv_is_utf8_with_a_bom_chinese_headers_quoted_fields_and_no_formulas()
    {
        var bytes = ReportExports.Csv(Report());
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes[3..]);
        Assert.Contains("名次,单位编码,单位名称,党员数,人均积分", text);
        Assert.Contains("\"东门社区, 北区\"", text);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", text);
        Assert.Contains("服务时长(小时),1.5", text);
    }

    [Fact]
    public void The_xlsx_has_a_sheet_per_table()
    {
        using var archive = new ZipArchive(new MemoryStream(ReportExports.Xlsx(Report())));
        using var reader = new StreamReader(archive.GetEntry("xl/workbook.xml")!.Open());
        var workbook = reader.ReadToEnd();
        foreach (var sheet in new[] { "概况", "社区", "单位", "红榜", "黑榜" })
        {
            Assert.Contains($"name=\"{sheet}\"", workbook);
        }
    }
}
