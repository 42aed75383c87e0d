using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Points;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Reports;

/// <summary>周反馈、月汇总、季通报 per county or street, as JSON or downloadable CSV and XLSX.</summary>
public static class ReportsApi
{
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    private static readonly string[] Formats = ["json", "csv", "xlsx"];

    public static RouteGroupBuilder MapReportsApi(this RouteGroupBuilder county)
    {
        county.MapGet("/reports/{kind}", Report).WithTags("Reports").WithName("evaluation.GetReport")
            .WithSummary("Weekly feedback, monthly summary or quarterly notice of the county or a street (?streetId=), as json, csv or xlsx (?format=)")
            .WithDescription("kind: weekly (period 2026-W10), monthly (2026-03) or quarterly (2026-Q1). CSV is UTF-8 with a byte-order mark and Chinese headers, one section per table; XLSX has one sheet per table.");
        return county;
    }

    private static async Task<Results<Ok<PeriodicReport>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> Report(
        string kind, string? period, Guid? streetId, string? format, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PeriodicReport.Kinds.TryGetValue(kind, out var expected))
        {
            return Problems.NotFound(ProblemCodes.NotFound, $"No report '{kind}': weekly, monthly or quarterly.");
        }
        var parsed = errors.RequirePeriod("period", period, expected.Kind);
        format ??= "json";
        if (!Formats.Contains(format))
        {
            errors.Add("format", "'format' must be one of json, csv, xlsx.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (streetId is { } street && await PointsApi.ScopeProblemAsync(db, "street", street, cancellationToken) is { } missing)
        {
            return missing;
        }
        var report = await PeriodicReport.BuildAsync(db, tenant.County!, kind, parsed!.Value, streetId, clock.GetUtcNow(), cancellationToken);
        var name = $"{tenant.County!.Code}-{kind}-{parsed.Value.Key}" + (streetId is null ? "" : "-street");
        return format switch
        {
            "csv" => TypedResults.File(ReportExports.Csv(report), "text/csv; charset=utf-8", name + ".csv"),
            "xlsx" => TypedResults.File(ReportExports.Xlsx(report), XlsxType, name + ".xlsx"),
            _ => TypedResults.Ok(report),
        };
    }
}
