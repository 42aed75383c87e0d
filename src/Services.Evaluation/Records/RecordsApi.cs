using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Periods;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Records;

/// <summary>One line of a member's or unit's service record.</summary>
public sealed record ServiceRecordResponse(
    Guid Id, string SubjectKind, Guid SubjectId, string Kind, DateTimeOffset OccurredAt, string Month, bool Late, Guid? UnitId, Guid? CommunityId, Guid? GridId,
    Guid? RequestId, Guid? ActivityId, string SourceEvent, string SourceKey, Guid? SourceMessageId, string? RuleCode, int? SettingsVersion, decimal Points, decimal? Cap,
    int ServiceMinutes, string? Detail, Guid? CorrectsId, string? RecordedBy, DateTimeOffset RecordedAt)
{
    public static ServiceRecordResponse From(ServiceRecord r) => new(
        r.Id, r.SubjectKind, r.SubjectId, r.Kind, r.OccurredAt, r.Month, r.Late, r.UnitId, r.CommunityId, r.GridId, r.RequestId, r.ActivityId, r.SourceEvent,
        r.SourceKey, r.SourceMessageId, r.RuleCode, r.SettingsVersion, r.Points, r.Cap, r.ServiceMinutes, r.Detail, r.CorrectsId, r.RecordedBy, r.RecordedAt);
}

/// <summary>A correction: a new line of a member's (or unit's) record with points given outright, never an edit of the line it corrects.</summary>
/// <param name="SubjectKind">member or unit.</param>
/// <param name="Points">Points to add (negative to take away), -1000 to 1000, two decimals; a unit's line carries 0.</param>
/// <param name="CorrectsId">The line being corrected, if the correction is about one.</param>
/// <param name="OccurredAt">When what is corrected happened (default now): the line counts in that month, or the first open one after it.</param>
public sealed record CorrectionRequest([Required] string? SubjectKind, [Required] Guid? SubjectId, [Required] decimal? Points, [Required] string? Reason, Guid? CorrectsId, DateTimeOffset? OccurredAt, [Required] string? RecordedBy);

/// <summary>The service record (全程纪实): every line of a member or unit, traceable to the event it came from.</summary>
public static class RecordsApi
{
    public static RouteGroupBuilder MapRecordsApi(this RouteGroupBuilder county)
    {
        var records = county.MapGroup("/records").WithTags("Service records");
        records.MapGet("/", List).WithName("evaluation.ListServiceRecords")
            .WithSummary("List service-record lines, newest first, by member, unit, period, kind or request");
        records.MapGet("/{id:guid}", Get).WithName("evaluation.GetServiceRecord").WithSummary("One line, with the event it came from and the rule that priced it");
        records.MapPost("/corrections", Correct).RequireRoles(PlatformRoles.CommunityOfficer, PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.CorrectServiceRecord")
            .WithSummary("Add a correction line (never an edit): points given outright, with the reason and the officer")
            .WithRequestExample(new { subjectKind = "member", subjectId = "01a206e3-9482-7d10-b3c4-5e6f7a8b9c0d", points = -2, reason = "重复计分，予以扣回", correctsId = "01a206e3-9482-7d10-b3c4-5e6f7a8b9c0e", recordedBy = "东门社区 李明" });
        return county;
    }

    private static async Task<Results<Ok<Page<ServiceRecordResponse>>, ValidationProblem>> List(
        Guid? memberId, Guid? unitId, string? period, string? kind, Guid? requestId, int? page, int? pageSize, EvaluationDbContext db, ITenantContext tenant,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        Period? parsed = period is null ? null : errors.RequirePeriod("period", period);
        if (kind is not null && !RecordKinds.IsKind(kind))
        {
            errors.Add("kind", $"'kind' must be one of {string.Join(", ", RecordKinds.All)}, or whistle_ and a whistle's change.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.ServiceRecords.AsNoTracking();
        if (memberId is { } member)
        {
            query = query.Where(r => r.SubjectKind == RecordKinds.MemberSubject && r.SubjectId == member);
        }
        if (unitId is { } unit)
        {
            query = query.Where(r => r.SubjectKind == RecordKinds.UnitSubject && r.SubjectId == unit);
        }
        if (parsed is { } p)
        {
            var span = PeriodSpan.Of(p, CountyCalendar.Zone(tenant.County!.TimeZone));
            query = query.Where(r => r.OccurredAt >= span.From && r.OccurredAt < span.To);
        }
        if (!string.IsNullOrEmpty(kind))
        {
            query = query.Where(r => r.Kind == kind);
        }
        if (requestId is { } requestFilter)
        {
            query = query.Where(r => r.RequestId == requestFilter);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.OccurredAt).ThenByDescending(r => r.Id).Skip(request.Skip).Take(request.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<ServiceRecordResponse>(items.Select(ServiceRecordResponse.From).ToList(), request.Page, request.PageSize, total));
    }

    private static async Task<Results<Ok<ServiceRecordResponse>, ProblemHttpResult>> Get(Guid id, EvaluationDbContext db, CancellationToken cancellationToken) =>
        await db.ServiceRecords.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is { } record
            ? TypedResults.Ok(ServiceRecordResponse.From(record))
            : Problems.ResourceNotFound("service_record", id);

    private static async Task<Results<Created<ServiceRecordResponse>, ValidationProblem, ProblemHttpResult>> Correct(
        CorrectionRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (body.SubjectKind is not (RecordKinds.MemberSubject or RecordKinds.UnitSubject))
        {
            errors.Add("subjectKind", "'subjectKind' must be one of member, unit.");
        }
        if (body.SubjectId is null)
        {
            errors.Add("subjectId", "'subjectId' is required.");
        }
        if (body.Points is not { } points || points is < -1000 or > 1000 || decimal.Round(points, 2) != points)
        {
            errors.Add("points", "'points' is required: between -1000 and 1000, at most two decimals.");
        }
        else if (points == 0 && body.SubjectKind == RecordKinds.MemberSubject)
        {
            errors.Add("points", "'points' of a member's correction may not be 0: a correction adds or takes away points.");
        }
        errors.RequireText("reason", body.Reason, maxLength: 200);
        errors.RequireText("recordedBy", body.RecordedBy, maxLength: 100);
        var now = clock.GetUtcNow();
        if (body.OccurredAt is { } occurred)
        {
            // A line is booked to the county's month it occurred in: that month must be one a period can name.
            var zone = CountyCalendar.Zone(tenant.County!.TimeZone);
            if (occurred > now)
            {
                errors.Add("occurredAt", "'occurredAt' may not be in the future.");
            }
            else if (occurred < CountyCalendar.StartOfDay(new DateOnly(Period.FirstYear, 1, 1), zone))
            {
                errors.Add("occurredAt", $"'occurredAt' must be on or after {Period.FirstYear}-01-01 in the county's time zone.");
            }
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var subject = body.SubjectId!.Value;
        Guid? unitId;
        if (body.SubjectKind == RecordKinds.MemberSubject)
        {
            var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == subject, cancellationToken);
            if (member is null)
            {
                return Problems.MissingReference("subjectId", "member", subject);
            }
            unitId = member.UnitId;
        }
        else
        {
            var unit = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == subject, cancellationToken);
            if (unit is null)
            {
                return Problems.MissingReference("subjectId", "organisation", subject);
            }
            if (!unit.IsUnit)
            {
                return Problems.InvalidReference("subjectId", "must be a unit organisation");
            }
            unitId = unit.Id;
        }
        if (body.CorrectsId is { } corrects &&
            !await db.ServiceRecords.AnyAsync(r => r.Id == corrects && r.SubjectId == subject, cancellationToken))
        {
            return Problems.MissingReference("correctsId", "service-record line of this subject", corrects);
        }

        var key = $"correction:{Guid.CreateVersion7(now)}";
        var line = new LineDraft(body.SubjectKind!, subject, RecordKinds.Correction, UnitId: unitId, Detail: body.Reason!.Trim(),
            FixedPoints: body.SubjectKind == RecordKinds.MemberSubject ? body.Points : 0, CorrectsId: body.CorrectsId, RecordedBy: body.RecordedBy!.Trim());
        await db.InTransactionAsync(() => Ledger.WriteAsync(db, tenant.CountyId!.Value,
            new LedgerEntry(RecordKinds.Correction, key, body.OccurredAt ?? now, [line]), null, now, cancellationToken), cancellationToken);
        var written = await db.ServiceRecords.AsNoTracking().FirstAsync(r => r.SourceKey == key, cancellationToken);
        return TypedResults.Created(http.Request.Path.Value!.Replace("/corrections", "/" + written.Id), ServiceRecordResponse.From(written));
    }
}
