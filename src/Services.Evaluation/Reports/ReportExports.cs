using System.Globalization;
using System.Text;
using ClosedXML.Excel;
using Platform.ServiceDefaults.Http;

namespace Platform.Evaluation.Reports;

/// <summary>One table of a report as people read it: a title, Chinese headers, rows.</summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<object?>> Rows);

/// <summary>
/// A report as downloadable files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
/// the Chinese; one section per table, a blank line between) and XLSX (one sheet per table).
/// </summary>
public static class ReportExports
{
    /// <summary>A bound of the period as the county reads it: its own time, with the offset ("2026-12-01 00:00 +08:00").</summary>
    private static string Local(PeriodicReport report, DateTimeOffset moment) =>
        TimeZoneInfo.ConvertTime(moment, Periods.CountyCalendar.Zone(report.TimeZone)).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    public static IReadOnlyList<ReportTable> Tables(PeriodicReport report)
    {
        var tables = new List<ReportTable>
        {
            new("概况", ["指标", "数值"],
            [
                Row("报告", report.Title), Row("期间", report.Period), Row("起", Local(report, report.From)),
                Row("止", Local(report, report.To)), Row("已关账", report.Closed ? "是" : "否"),
                Row("诉求数", report.Rates.Requests), Row("响应率(%)", report.Rates.ResponseRate), Row("解决率(%)", report.Rates.ResolutionRate),
                Row("满意率(%)", report.Rates.SatisfactionRate), Row("按时办结率(%)", report.Rates.OnTimeRate), Row("办结数", report.Rates.Completed),
                Row("评价数", report.Rates.Rated), Row("超期诉求数", report.Rates.Overdue), Row("重办诉求数", report.Rates.Reopened),
                .. report.Totals is { } t
                    ? new[] { Row("活动签到人次", t.Attendances), Row("服务时长(小时)", Math.Round(t.ServiceMinutes / 60m, 2)), Row("积分合计", t.Points), Row("参与服务党员数", t.MembersServed) }
                    : [],
            ]),
            new("社区", ["社区编码", "社区名称", "诉求数", "响应率(%)", "解决率(%)", "满意率(%)", "按时办结率(%)", "超期数", "星级", "星级得分"],
                report.Communities.Select(c => (IReadOnlyList<object?>)[c.Code, c.Name, c.Rates.Requests, c.Rates.ResponseRate, c.Rates.ResolutionRate, c.Rates.SatisfactionRate,
                    c.Rates.OnTimeRate, c.Rates.Overdue, c.Stars, c.StarScore]).ToList()),
            new("单位", UnitHeaders, report.Units.Select(UnitRow).ToList()),
            new("红榜", UnitHeaders, report.RedList.Select(UnitRow).ToList()),
            new("黑榜", UnitHeaders, report.BlackList.Select(UnitRow).ToList()),
        };
        if (report.TopMembers.Count > 0)
        {
            tables.Add(new ReportTable("积分排行", ["名次", "党员编号", "姓名", "所在单位", "居住社区", "所在网格", "积分"],
                report.TopMembers.Select(m => (IReadOnlyList<object?>)[m.Rank, m.Code, m.Name, m.UnitName, m.CommunityName, m.GridName, m.Points]).ToList()));
        }
        if (report.Coverage is { } coverage)
        {
            tables.Add(new ReportTable("单位覆盖", ["单位编码", "单位名称", "报到党员数", "已服务数", "覆盖率(%)", $"低于{coverage.ThresholdPercent}%"],
                coverage.Units.Select(u => (IReadOnlyList<object?>)[u.Code, u.Name, u.Reported, u.Served, u.Percent, u.BelowThreshold ? "是" : "否"]).ToList()));
            tables.Add(new ReportTable("未履职党员", ["党员编号", "姓名", "所在单位", "报到社区"],
                coverage.NonCompliant.Select(m => (IReadOnlyList<object?>)[m.Code, m.Name, m.UnitName, m.CommunityName]).ToList()));
        }
        return tables;
    }

    private static readonly IReadOnlyList<string> UnitHeaders = ["名次", "单位编码", "单位名称", "党员数", "人均积分", "诉求数", "办结数", "响应率(%)", "解决率(%)", "满意率(%)", "按时办结率(%)"];

    private static IReadOnlyList<object?> UnitRow(ReportUnit u) =>
        [u.Rank, u.Code, u.Name, u.Members, u.AveragePoints, u.Rates.Requests, u.Rates.Completed, u.Rates.ResponseRate, u.Rates.ResolutionRate, u.Rates.SatisfactionRate, u.Rates.OnTimeRate];

    private static IReadOnlyList<object?> Row(string name, object? value) => [name, value];

    public static byte[] Csv(PeriodicReport report)
    {
        var text = new StringBuilder();
        foreach (var table in Tables(report))
        {
            text.Append(CsvText.Line([table.Title]));
            text.Append(CsvText.Line(table.Headers));
            foreach (var row in table.Rows)
            {
                text.Append(CsvText.Line(row.Select(Format)));
            }
            text.Append("\r\n");
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    public static byte[] Xlsx(PeriodicReport report)
    {
        using var workbook = new XLWorkbook();
        foreach (var table in Tables(report))
        {
            var sheet = workbook.Worksheets.Add(table.Title);
            for (var c = 0; c < table.Headers.Count; c++)
            {
                sheet.Cell(1, c + 1).Value = table.Headers[c];
                sheet.Cell(1, c + 1).Style.Font.Bold = true;
                sheet.Column(c + 1).Width = c == 1 || table.Headers[c].Contains("名称", StringComparison.Ordinal) ? 28 : 14;
            }
            for (var r = 0; r < table.Rows.Count; r++)
            {
                for (var c = 0; c < table.Rows[r].Count; c++)
                {
                    var cell = sheet.Cell(r + 2, c + 1);
                    switch (table.Rows[r][c])
                    {
                        case null:
                            break;
                        case int i:
                            cell.Value = i;
                            break;
                        case decimal d:
                            cell.Value = d;
                            break;
                        case var other:
                            cell.Value = Format(other);
                            cell.DataType = XLDataType.Text;
                            break;
                    }
                }
            }
            sheet.SheetView.FreezeRows(1);
        }
        using var stream = new MemoryStream();
        workbook.SaveAs(stream);
        return stream.ToArray();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
