using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Imports;

/// <summary>One row error: the file line (the header is line 1), the column, and the rule it breaks.</summary>
public sealed record ImportError(int Row, string Field, string Rule);

/// <summary>What an accepted import did: rows read, created, updated, and left as they were.</summary>
public sealed record ImportResult(string Kind, int Rows, int Created, int Updated, int Unchanged);

/// <summary>
/// Bulk onboarding from CSV (UTF-8 or the charset the Content-Type names, header row): the tree, organisations, members, pairings and
/// member reports, each by natural key (codes). Every row is validated first and all errors are
/// reported together; the import applies all rows or none; an identical re-import changes nothing.
/// Formats: docs/registry/imports.md; samples: samples/registry/.
/// </summary>
public static class ImportsApi
{
    public const long DefaultMaxBodySize = 32 * 1024 * 1024;

    public static RouteGroupBuilder MapImportsApi(this RouteGroupBuilder county)
    {
        var limit = county.ServiceProvider()?.GetService<IConfiguration>()?.GetValue("Imports:MaxRequestBodySize", DefaultMaxBodySize) ?? DefaultMaxBodySize;
        county.MapPost("/imports/{kind}", Import)
            .WithTags("Imports")
            .WithName("registry.Import")
            .WithSummary("Import a CSV file of areas, organisations, members, pairings or reports")
            .WithDescription("Send the file as the body (Content-Type: text/csv; UTF-8 unless a charset is named, e.g. text/csv; charset=gbk). 422 import_invalid lists every row error {row, field, rule}; nothing is written unless every row is valid.")
            .Accepts<string>("text/csv")
            .WithTextRequestExample("text/csv", "code,name,level,parent_code\nS01,九龙街道,street,\nC01,东门社区,community,S01\nG001,东门第一网格,grid,C01\n")
            .WithMetadata(new RequestSizeLimitAttribute(limit));
        return county;
    }

    private static IServiceProvider? ServiceProvider(this IEndpointRouteBuilder endpoints) => endpoints.ServiceProvider;

    private static async Task<Results<Ok<ImportResult>, ProblemHttpResult, ValidationProblem>> Import(
        string kind, HttpRequest request, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var logger = loggers.CreateLogger("Platform.Registry.Imports");
        var importer = Importers.For(kind);
        if (importer is null)
        {
            return Problems.NotFound("import_kind_not_found", $"There is no '{kind}' import; kinds: {string.Join(", ", Importers.Kinds)}.");
        }
        if (request.ContentType is not { } contentType || !contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
                "Send the file as text/csv (UTF-8, or name its charset: text/csv; charset=gbk).");
        }

        // UTF-8 unless the Content-Type names another charset: a spreadsheet on a Chinese desktop saves
        // "CSV" in GBK, sent as text/csv; charset=gbk (or gb18030). A charset no encoding answers to is
        // refused (415) by the request's text rules before this; the check here keeps the endpoint whole on its own.
        var (encoding, charset) = RequestTextRules.BodyEncoding(contentType);
        if (encoding is null)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
                "The file's charset is not one this platform reads; send UTF-8 or GBK (text/csv; charset=gbk).");
        }
        string text;
        try
        {
            using var reader = new StreamReader(request.Body, encoding, detectEncodingFromByteOrderMarks: encoding is UTF8Encoding);
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            return encoding is UTF8Encoding
                ? Problems.Unprocessable("import_not_utf8",
                    "The file is not valid UTF-8; save it as UTF-8 (e.g. \"CSV UTF-8\" in a spreadsheet), or name its charset (text/csv; charset=gbk).")
                : Problems.Unprocessable("import_not_in_charset", $"The file is not valid {charset} text, the charset its Content-Type names.");
        }

        CsvTable table;
        try
        {
            table = CsvTable.Parse(text);
        }
        catch (FormatException exception)
        {
            return Problems.Unprocessable("import_malformed", exception.Message);
        }
        var missing = importer.Columns.Where(c => c.Required && !table.Header.Contains(c.Name)).Select(c => c.Name).ToList();
        if (table.Header.Count == 0)
        {
            return Problems.Unprocessable("import_empty", "The file is empty: it needs a header row and at least one data row.");
        }
        if (missing.Count > 0)
        {
            return Problems.Unprocessable("import_columns_missing", $"The header lacks required columns: {string.Join(", ", missing)}.", missing[0]);
        }
        if (table.Rows.Count == 0)
        {
            return Problems.Unprocessable("import_empty", "The file has a header but no data rows.");
        }

        var parsed = watch.Elapsed;
        // Pairings are checked for overlaps and saved under the lock the API's pairing writes take.
        await using var transaction = kind == "pairings" ? await Pairings.PairingsApi.LockPairingsAsync(db, tenant, cancellationToken) : null;
        var run = new ImportRun(db, tenant, clock.GetUtcNow(), cancellationToken);
        // A NUL character, or a cell past the header, is refused for every kind before any rule reads the row.
        foreach (var row in table.Rows)
        {
            foreach (var column in row.ColumnsWithNul())
            {
                run.Error(row, column, $"'{column}' must not contain a NUL character (U+0000).");
            }
            foreach (var position in row.CellsPastHeader(table.Header.Count))
            {
                run.Error(row, $"column {position}", $"The row has a cell past the header's {table.Header.Count} columns: a comma inside a cell needs the cell in double quotes.");
            }
        }
        var errors = run.Errors.Count > 0 ? run.Errors : await importer.ValidateAsync(table, run);
        var validated = watch.Elapsed;
        if (errors.Count > 0)
        {
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Type = Problems.TypePrefix + "import_invalid",
                Title = "Import refused",
                Detail = $"{errors.Count} row error(s); nothing was imported. Fix them and send the whole file again.",
            };
            problem.Extensions["code"] = "import_invalid";
            problem.Extensions["errors"] = errors.OrderBy(e => e.Row).ThenBy(e => e.Field, StringComparer.Ordinal).ToList();
            return TypedResults.Problem(problem);
        }
        var result = await importer.ApplyAsync(table, run);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        logger.LogInformation("Import {Kind}: {Rows} rows read and parsed in {Parse} ms, validated in {Validate} ms, applied and saved in {Apply} ms",
            kind, table.Rows.Count, (int)parsed.TotalMilliseconds, (int)(validated - parsed).TotalMilliseconds, (int)(watch.Elapsed - validated).TotalMilliseconds);
        return TypedResults.Ok(result);
    }
}
