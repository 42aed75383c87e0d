using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts.Dispatch;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Supervision;

/// <param name="Level">community or street: who blows the whistle.</param>
/// <param name="AreaId">The community or street blowing it.</param>
/// <param name="UnitId">The unit organisation or department called to report.</param>
/// <param name="RequestId">The request it is about, if any.</param>
/// <param name="Matter">What the unit is called for (at most 1000 characters).</param>
/// <param name="BlownBy">The officer's name.</param>
/// <param name="AcknowledgeHours">Hours to acknowledge (1–72; default from settings).</param>
/// <param name="ReportHours">Hours to report what was done (1–720; default from settings).</param>
public sealed record BlowWhistleRequest(
    [Required] string? Level, [Required] Guid? AreaId, [Required] Guid? UnitId, Guid? RequestId, [Required] string? Matter, string? BlownBy, int? AcknowledgeHours, int? ReportHours);

/// <param name="By">Who acknowledges for the unit (at most 50 characters); the body may be left out.</param>
public sealed record AcknowledgeWhistleRequest(string? By);

public sealed record ReportWhistleRequest([Required] string? Report, IReadOnlyList<string>? Evidence);

public sealed record WhistleResponse(
    Guid Id, Guid? RequestId, string Level, Guid AreaId, Guid UnitId, string Matter, string? BlownBy, DateTimeOffset BlownAt,
    DateTimeOffset AcknowledgeBy, DateTimeOffset ReportBy, string Status, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    DateTimeOffset? ReportedAt, string? Report, IReadOnlyList<string> ReportEvidence, DateTimeOffset? AcknowledgeOverdueAt, DateTimeOffset? ReportOverdueAt, int Version)
{
    public static WhistleResponse From(Whistle w) => new(
        w.Id, w.RequestId, w.Level, w.AreaId, w.UnitId, w.Matter, w.BlownBy, w.BlownAt, w.AcknowledgeBy, w.ReportBy, w.Status, w.AcknowledgedAt,
        w.AcknowledgedBy, w.ReportedAt, w.Report, w.ReportEvidence, w.AcknowledgeOverdueAt, w.ReportOverdueAt, w.Version);
}

/// <summary>
/// 吹哨报到: a community or street blows the whistle on a unit or department, which must acknowledge
/// (报到) and report within the limits; every step and every missed limit is recorded and published.
/// </summary>
public static class Whistles
{
    public static RouteGroupBuilder MapWhistlesApi(this RouteGroupBuilder county)
    {
        var whistles = county.MapGroup("/whistles").WithTags("Whistles");
        whistles.MapPost("/", Blow).RequireRoles(PlatformRoles.Whistlers).WithName("dispatch.BlowWhistle").WithSummary("A community or street blows the whistle on a unit (吹哨)")
            .WithRequestExample(new { level = "street", areaId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", unitId = "01a206e3-9480-7c2b-8f7e-1d2c3b4a5f60", matter = "老旧小区雨污管网堵塞，需住建部门到场处置", blownBy = "城关街道 王主任" });
        whistles.MapGet("/", List).WithName("dispatch.ListWhistles").WithSummary("List whistles by unit, area, status or overdue");
        whistles.MapGet("/{id:guid}", Get).WithName("dispatch.GetWhistle").WithSummary("Get one whistle");
        whistles.MapPost("/{id:guid}/acknowledge", Acknowledge).RequireRoles(PlatformRoles.WhistledUnits).WithName("dispatch.AcknowledgeWhistle").WithSummary("The unit acknowledges the whistle (报到)");
        whistles.MapPost("/{id:guid}/report", Report).RequireRoles(PlatformRoles.WhistledUnits).WithName("dispatch.ReportWhistle").WithSummary("The unit reports what it did");
        return county;
    }

    private static async Task<Results<Created<WhistleResponse>, ValidationProblem, ProblemHttpResult>> Blow(
        BlowWhistleRequest request, DispatchDbContext db, TimeProvider clock, IOptions<SupervisionOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Level is not ("community" or "street"))
        {
            errors.Add("level", "'level' must be one of community, street.");
        }
        if (request.AreaId is null)
        {
            errors.Add("areaId", "'areaId' is required.");
        }
        if (request.UnitId is null)
        {
            errors.Add("unitId", "'unitId' is required.");
        }
        errors.RequireText("matter", request.Matter, maxLength: 1000);
        errors.OptionalText("blownBy", request.BlownBy, maxLength: 50);
        if (request.AcknowledgeHours is < 1 or > 72)
        {
            errors.Add("acknowledgeHours", "'acknowledgeHours' must be between 1 and 72.");
        }
        if (request.ReportHours is < 1 or > 720)
        {
            errors.Add("reportHours", "'reportHours' must be between 1 and 720.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var area = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == request.AreaId, cancellationToken);
        if (area is null)
        {
            return Problems.MissingReference("areaId", "area", request.AreaId!.Value);
        }
        var expected = request.Level == "community" ? new[] { "community", "village" } : ["street", "township"];
        if (!expected.Contains(area.Level) || area.RetiredAt is not null)
        {
            return Problems.InvalidReference("areaId", $"must be an active {string.Join(" or ", expected)} for a {request.Level} whistle");
        }
        if (await ReplicaReferences.CheckUnitAsync(db, "unitId", request.UnitId!.Value, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        if (request.RequestId is { } requestId)
        {
            var about = await db.Requests.AsNoTracking().Where(r => r.Id == requestId).Select(r => new { r.CommunityId, r.StreetId }).FirstOrDefaultAsync(cancellationToken);
            if (about is null)
            {
                return Problems.MissingReference("requestId", "request", requestId);
            }
            // A community or street blows the whistle on its own matters: the request must lie within it.
            if (area.Id != (request.Level == "community" ? about.CommunityId : about.StreetId))
            {
                return Problems.InvalidReference("requestId", $"must name a request of the {request.Level} blowing the whistle");
            }
        }
        var now = clock.GetUtcNow();
        var settings = options.Value;
        var whistle = new Whistle
        {
            Id = Guid.CreateVersion7(now), CountyId = area.CountyId, RequestId = request.RequestId, Level = request.Level!, AreaId = area.Id, UnitId = request.UnitId.Value,
            Matter = request.Matter!.Trim(), BlownBy = request.BlownBy?.Trim(), BlownAt = now,
            AcknowledgeBy = now.AddHours(request.AcknowledgeHours ?? settings.WhistleAcknowledgeHours),
            ReportBy = now.AddHours(request.ReportHours ?? settings.WhistleReportHours),
        };
        if (whistle.ReportBy < whistle.AcknowledgeBy)
        {
            return Problems.Unprocessable("report_before_acknowledge", "The report limit cannot come before the acknowledge limit.", "reportHours");
        }
        db.Whistles.Add(whistle);
        Deadlines.Add(db, area.CountyId, whistle.Id, TimerKinds.WhistleAcknowledgeDue, whistle.AcknowledgeBy);
        Deadlines.Add(db, area.CountyId, whistle.Id, TimerKinds.WhistleReportDue, whistle.ReportBy);
        Publish(db, whistle, "blown", now);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, whistle);
        return TypedResults.Created(http.Request.Path.Add($"/{whistle.Id}").Value, WhistleResponse.From(whistle));
    }

    private static async Task<Results<Ok<Page<WhistleResponse>>, ValidationProblem>> List(
        Guid? unitId, Guid? areaId, Guid? requestId, string? status, bool? overdue, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (status is not (null or "blown" or "acknowledged" or "reported"))
        {
            errors.Add("status", "'status' must be one of blown, acknowledged, reported.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.Whistles.AsNoTracking();
        query = unitId is { } u ? query.Where(w => w.UnitId == u) : query;
        query = areaId is { } a ? query.Where(w => w.AreaId == a) : query;
        query = requestId is { } r ? query.Where(w => w.RequestId == r) : query;
        query = status is not null ? query.Where(w => w.Status == status) : query;
        query = overdue is { } o ? query.Where(w => (w.AcknowledgeOverdueAt != null || w.ReportOverdueAt != null) == o) : query;
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderByDescending(w => w.BlownAt).ThenBy(w => w.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<WhistleResponse>(items.Select(WhistleResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<WhistleResponse>, ProblemHttpResult>> Get(Guid id, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var whistle = await db.Whistles.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (whistle is null)
        {
            return Problems.ResourceNotFound("whistle", id);
        }
        ETags.Tag(http, whistle);
        return TypedResults.Ok(WhistleResponse.From(whistle));
    }

    private static async Task<Results<Ok<WhistleResponse>, ValidationProblem, ProblemHttpResult>> Acknowledge(
        Guid id, AcknowledgeWhistleRequest? request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("by", request?.By, maxLength: 50);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var whistle = await db.Whistles.FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (whistle is null)
        {
            return Problems.ResourceNotFound("whistle", id);
        }
        if (ETags.PreconditionFailed(http, whistle) is { } stale)
        {
            return stale;
        }
        if (whistle.Status != "blown")
        {
            return DispatchProblems.Illegal("whistle", "acknowledge", whistle.Status);
        }
        var now = clock.GetUtcNow();
        whistle.Status = "acknowledged";
        whistle.AcknowledgedAt = now;
        whistle.AcknowledgedBy = request?.By?.Trim();
        return await SaveAsync(db, http, whistle, "acknowledged", now, cancellationToken);
    }

    private static async Task<Results<Ok<WhistleResponse>, ValidationProblem, ProblemHttpResult>> Report(
        Guid id, ReportWhistleRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("report", request.Report, maxLength: 2000);
        Evidence.Validate(errors, "evidence", request.Evidence);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var whistle = await db.Whistles.FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (whistle is null)
        {
            return Problems.ResourceNotFound("whistle", id);
        }
        if (ETags.PreconditionFailed(http, whistle) is { } stale)
        {
            return stale;
        }
        if (whistle.Status != "acknowledged")
        {
            return DispatchProblems.Illegal("whistle", "report on", whistle.Status);
        }
        var now = clock.GetUtcNow();
        whistle.Status = "reported";
        whistle.ReportedAt = now;
        whistle.Report = request.Report!.Trim();
        whistle.ReportEvidence = [.. request.Evidence ?? []];
        return await SaveAsync(db, http, whistle, "reported", now, cancellationToken);
    }

    /// <summary>A limit passed: an acknowledgement or report that has not come is marked overdue and announced.</summary>
    internal static async Task OnDueAsync(DispatchDbContext db, Guid id, string kind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var whistle = await db.Whistles.FirstOrDefaultAsync(w => w.Id == id, cancellationToken);
        if (whistle is null)
        {
            return;
        }
        if (kind == TimerKinds.WhistleAcknowledgeDue && whistle.Status == "blown" && whistle.AcknowledgeOverdueAt is null)
        {
            whistle.AcknowledgeOverdueAt = now;
            Publish(db, whistle, "acknowledge_overdue", now);
        }
        else if (kind == TimerKinds.WhistleReportDue && whistle.Status != "reported" && whistle.ReportOverdueAt is null)
        {
            whistle.ReportOverdueAt = now;
            Publish(db, whistle, "report_overdue", now);
        }
    }

    private static async Task<Results<Ok<WhistleResponse>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        DispatchDbContext db, HttpContext http, Whistle whistle, string change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Publish(db, whistle, change, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "The whistle changed meanwhile; read it again and retry.");
        }
        ETags.Tag(http, whistle);
        return TypedResults.Ok(WhistleResponse.From(whistle));
    }

    private static void Publish(DispatchDbContext db, Whistle w, string change, DateTimeOffset now)
    {
        db.Advance(w);
        db.Outbox.Publish(new WhistleChanged(
            w.CountyId, w.Id, w.Version, change, w.RequestId, w.Level, w.AreaId, w.UnitId, w.Status, w.BlownAt,
            w.AcknowledgeBy, w.ReportBy, w.AcknowledgedAt, w.ReportedAt, w.AcknowledgeOverdueAt is not null || w.ReportOverdueAt is not null, now));
    }
}

/// <summary>Evidence and attachments are links (http or https) to files kept elsewhere.</summary>
public static class Evidence
{
    public const int MaxItems = 10;

    public static void Validate(ValidationErrors errors, string field, IReadOnlyList<string>? urls)
    {
        if (urls is null)
        {
            return;
        }
        if (urls.Count > MaxItems)
        {
            errors.Add(field, $"'{field}' may hold at most {MaxItems} links.");
            return;
        }
        for (var i = 0; i < urls.Count; i++)
        {
            if (urls[i] is not { Length: > 0 and <= 500 } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add(field, $"'{field}[{i}]' must be an http or https link of at most 500 characters.");
            }
        }
    }
}
