using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Evaluation;
using Platform.Evaluation.Points;
using Platform.Evaluation.Rates;
using Platform.Evaluation.Records;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Periods;

/// <param name="ClosedBy">The officer closing the period (name and post), e.g. 县委组织部 王强.</param>
public sealed record ClosePeriodRequest([Required] string? ClosedBy);

/// <param name="Status">running (not ended yet), ended (open: figures still move with late events) or closed (frozen).</param>
public sealed record PeriodResponse(string Period, string Kind, DateTimeOffset From, DateTimeOffset To, string Status, DateTimeOffset? ClosedAt, string? ClosedBy,
    IReadOnlyList<string> Months);

/// <summary>A stored figure and its rebuild from the ledger side by side, when they differ.</summary>
public sealed record Difference(string What, string Key, string Stored, string Rebuilt);

/// <summary>Whether the stored figures are exactly what the ledger rebuilds.</summary>
/// <param name="Tallies">Stored point tallies compared (member × month × rule × settings version).</param>
/// <param name="RatesChecked">For a closed period: the frozen rates were rebuilt from the request events received before the close.</param>
public sealed record VerificationResponse(string Period, bool Closed, bool Matches, int Tallies, int LedgerLines, decimal TotalPoints, bool RatesChecked, IReadOnlyList<Difference> Differences);

/// <summary>
/// Evaluation periods: a period's status, closing it (its figures freeze; later events count in the
/// next open month) and the check that the stored figures are what the ledger rebuilds.
/// </summary>
public static class PeriodsApi
{
    public static RouteGroupBuilder MapPeriodsApi(this RouteGroupBuilder county)
    {
        var periods = county.MapGroup("/periods/{period}").WithTags("Periods");
        periods.MapGet("/", Get).WithName("evaluation.GetPeriod").WithSummary("A period's bounds in the county's time zone and whether it is closed");
        periods.MapPost("/close", Close).RequireRoles(PlatformRoles.CountyAdmin).WithName("evaluation.ClosePeriod").WithSummary("Close a month, quarter or year that has ended: its figures are frozen")
            .WithDescription("409 period_not_ended before the period's end, 409 period_closed when already closed (also by its quarter or year). Publishes PeriodClosed.")
            .WithRequestExample(new { closedBy = "县委组织部 王强" });
        periods.MapGet("/verification", Verify).WithName("evaluation.VerifyPeriod")
            .WithSummary("Rebuild the period's points from the ledger (and a closed period's rates from its request events) and compare with what is stored");
        return county;
    }

    private static async Task<Results<Ok<PeriodResponse>, ValidationProblem>> Get(string period, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (errors.RequirePeriod("period", period) is not { } parsed)
        {
            return errors.ToProblem();
        }
        var span = PeriodSpan.Of(parsed, CountyCalendar.Zone(tenant.County!.TimeZone));
        var closed = await ClosedAsync(db, parsed, cancellationToken);
        var status = closed is not null ? "closed" : span.To <= clock.GetUtcNow() ? "ended" : "running";
        return TypedResults.Ok(new PeriodResponse(parsed.Key, Wire.Of(parsed.Kind), span.From, span.To, status, closed?.ClosedAt, closed?.ClosedBy, parsed.Months));
    }

    /// <summary>The closed period that freezes this one: itself, or (for a month or quarter) its quarter or year.</summary>
    public static Task<ClosedPeriod?> ClosedAsync(EvaluationDbContext db, Period period, CancellationToken cancellationToken)
    {
        var keys = period.Kind == PeriodKind.Week ? [] : period.Enclosing.ToList();
        return db.ClosedPeriods.AsNoTracking().Where(p => keys.Contains(p.Period)).OrderBy(p => p.ClosedAt).FirstOrDefaultAsync(cancellationToken);
    }

    private static async Task<Results<Ok<PeriodResponse>, ValidationProblem, ProblemHttpResult>> Close(
        string period, ClosePeriodRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        errors.RequireText("closedBy", body.ClosedBy, maxLength: 100);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var county = tenant.County!;
        var now = clock.GetUtcNow();
        var span = PeriodSpan.Of(parsed!.Value, CountyCalendar.Zone(county.TimeZone));
        if (span.To > now)
        {
            return Problems.Conflict("period_not_ended", $"The period {parsed.Value.Key} ends at {span.To:O}; only an ended period can be closed.", "period");
        }
        if (await ClosedAsync(db, parsed.Value, cancellationToken) is not null)
        {
            return EvaluationProblems.Closed(parsed.Value);
        }

        try
        {
            await db.InTransactionAsync(async () =>
            {
                // Exclusive: ledger writes in flight finish first, and none books into the period while its figures are taken.
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({Ledger.LockKey(county.Id)})", cancellationToken);
                var watermark = await db.RequestEvents.MaxAsync(e => (long?)e.Seq, cancellationToken) ?? 0;
                // The quarters and months inside a closed period are closed with it, each with its figures as they
                // stand now: a month's rates, stars and leaderboard never change once its quarter is closed.
                var inside = parsed.Value.Contained.Select(p => p.Key).ToList();
                var closedBefore = await db.ClosedPeriods.Where(p => inside.Contains(p.Period)).Select(p => p.Period).ToListAsync(cancellationToken);
                foreach (var closing in parsed.Value.Contained.Where(p => !closedBefore.Contains(p.Key)).Prepend(parsed.Value))
                {
                    var data = await PeriodData.LoadAsync(db, county, closing, now, watermark, cancellationToken);
                    db.ClosedPeriods.Add(new ClosedPeriod
                    {
                        Period = closing.Key, Kind = Wire.Of(closing.Kind), ClosedAt = now, ClosedBy = body.ClosedBy!.Trim(), RequestSeq = watermark,
                        Figures = PeriodFigures.Compute(data, closed: true).ToJson(),
                    });
                    db.Outbox.Publish(new PeriodClosed(county.Id, closing.Key, Wire.Of(closing.Kind), now));
                }
                await db.SaveChangesAsync(cancellationToken);
            }, cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            return EvaluationProblems.Closed(parsed.Value);
        }
        return TypedResults.Ok(new PeriodResponse(parsed.Value.Key, Wire.Of(parsed.Value.Kind), span.From, span.To, "closed", now, body.ClosedBy!.Trim(), parsed.Value.Months));
    }

    private static async Task<Results<Ok<VerificationResponse>, ValidationProblem>> Verify(
        string period, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var county = tenant.County!;
        var months = parsed!.Value.Months;
        var differences = new List<Difference>();
        var stored = await PointsFigures.StoredTalliesAsync(db, county.Id, months, cancellationToken);
        var rebuilt = await PointsFigures.FromLedgerAsync(db, county.Id, months, cancellationToken);
        var storedByKey = stored.ToDictionary(t => (t.MemberId, t.Month, t.RuleCode, t.SettingsVersion));
        var rebuiltByKey = rebuilt.ToDictionary(t => (t.MemberId, t.Month, t.RuleCode, t.SettingsVersion));
        foreach (var key in storedByKey.Keys.Union(rebuiltByKey.Keys))
        {
            var s = storedByKey.GetValueOrDefault(key);
            var r = rebuiltByKey.GetValueOrDefault(key);
            if (s is null || r is null || s.Points != r.Points || s.Capped != r.Capped || s.Entries != r.Entries || s.Cap != r.Cap)
            {
                differences.Add(new Difference("tally", $"{key.MemberId}/{key.Month}/{key.RuleCode}/v{key.SettingsVersion}",
                    s is null ? "-" : $"{s.Points}→{s.Capped} ({s.Entries})", r is null ? "-" : $"{r.Points}→{r.Capped} ({r.Entries})"));
            }
        }

        var closed = await db.ClosedPeriods.AsNoTracking().FirstOrDefaultAsync(p => p.Period == parsed.Value.Key, cancellationToken);
        if (closed is not null)
        {
            // The frozen figures against a rebuild: points per member from the ledger, rates from the request events received before the close.
            var frozen = PeriodFigures.FromJson(closed.Figures);
            var ledgerPoints = rebuilt.GroupBy(t => t.MemberId).ToDictionary(g => g.Key, g => g.Sum(t => t.Capped));
            foreach (var row in frozen.Leaderboard.Where(r => r.Points != ledgerPoints.GetValueOrDefault(r.MemberId)))
            {
                differences.Add(new Difference("points", row.Code, row.Points.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ledgerPoints.GetValueOrDefault(row.MemberId).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            var data = await PeriodData.LoadAsync(db, county, parsed.Value, closed.ClosedAt, closed.RequestSeq, cancellationToken);
            foreach (var scope in RateTable.Scopes)
            {
                // Each frozen row against its own requests, by id: a community or street retired since still checks.
                foreach (var (row, again) in frozen.Rates[scope].Select(r => (r, RateTable.Of(data, scope, r.Id))).Where(x => x.Item2 != x.r.Rates))
                {
                    differences.Add(new Difference("rates", $"{scope}/{row.Code}", Ledger.Serialize(row.Rates), Ledger.Serialize(again)));
                }
            }
        }
        var lines = await db.ServiceRecords.CountAsync(r => months.Contains(r.Month), cancellationToken);
        return TypedResults.Ok(new VerificationResponse(parsed.Value.Key, closed is not null, differences.Count == 0, stored.Count, lines,
            stored.Sum(t => t.Capped), closed is not null, differences.Take(50).ToList()));
    }
}
