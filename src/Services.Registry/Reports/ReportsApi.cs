using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Members;
using Platform.Registry.Pairings;
using Platform.Registry.Teams;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Reports;

/// <summary>A report (报到).</summary>
/// <param name="Kind">unit (a unit to its paired community) or member (a member to where they live).</param>
/// <param name="UnitId">For a unit report: the reporting unit.</param>
/// <param name="MemberId">For a member report: the reporting member.</param>
/// <param name="CommunityId">Unit report: the paired community (required). Member report: the member's home community (the default).</param>
/// <param name="GridId">Member report: the grid, by default the member's.</param>
/// <param name="Note">At most 500 characters.</param>
public sealed record CreateReportRequest([Required] ReportKind? Kind, Guid? UnitId, Guid? MemberId, Guid? CommunityId, Guid? GridId, string? Note);

public sealed record WithdrawReportRequest(string? Reason);

public sealed record ReportResponse(
    Guid Id, ReportKind Kind, Guid? MemberId, Guid? UnitId, Guid CommunityId, Guid? GridId, ReportStatus Status, string? Note,
    DateTimeOffset SubmittedAt, DateTimeOffset? ConfirmedAt, DateTimeOffset? WithdrawnAt, int Version)
{
    public static ReportResponse From(Report r) =>
        new(r.Id, r.Kind, r.MemberId, r.UnitId, r.CommunityId, r.GridId, r.Status, r.Note, r.SubmittedAt, r.ConfirmedAt, r.WithdrawnAt, r.Version);
}

/// <summary>A member who should report and has not (应报不报).</summary>
public sealed record MissingReportItem(
    Guid MemberId, string Code, string Name, string Phone, Guid UnitId, string UnitName, Guid CommunityId, string CommunityName, Guid? GridId, bool Pending);

/// <summary>Per unit or community: members who should report, have reported (confirmed), are pending, and are missing.</summary>
public sealed record MissingReportGroup(Guid Id, string Name, int ShouldReport, int Reported, int Pending, int Missing);

public sealed record MissingReportSummary(string GroupBy, IReadOnlyList<MissingReportGroup> Groups, MissingReportGroup County);

/// <summary>
/// Reports (报到): a unit to its paired community, a member to the community and grid of residence;
/// pending until the community confirms. And the query the mechanism exists for: 应报不报.
/// </summary>
public static class ReportsApi
{
    public static RouteGroupBuilder MapReportsApi(this RouteGroupBuilder county)
    {
        var reports = county.MapGroup("/reports").WithTags("Reports");
        reports.MapPost("/", Create).WithName("registry.CreateReport").WithSummary("Report (报到) a unit to its paired community or a member to where they live")
            .WithRequestExample(new { kind = "member", memberId = "01a206e3-947e-7187-b7ab-cd6ef2aa3e2c", note = "在职党员到居住地社区报到" })
            .WithDescription("A unit reports only to a community it is paired with today (422 not_paired); a member only to their home community (422 not_home_community). One live report per member, and per unit and community (409 report_exists).");
        reports.MapGet("/", List).WithName("registry.ListReports").WithSummary("List reports by kind, status, place, unit, member or submission time");
        reports.MapGet("/missing", Missing).WithName("registry.ListMissingReports").WithSummary("应报不报: members of paired units who have not reported")
            .WithDescription("Active members whose unit has a pairing active today (county calendar) and who have no confirmed member report. A pending report does not count as reported: such members are listed with pending=true unless excludePending=true.");
        reports.MapGet("/missing/summary", MissingSummary).WithName("registry.SummariseMissingReports")
            .WithSummary("应报不报 counted per unit or per home community, with the county total");
        reports.MapGet("/{id:guid}", Get).WithName("registry.GetReport").WithSummary("Get one report");
        reports.MapPost("/{id:guid}/confirm", Confirm).WithName("registry.ConfirmReport").WithSummary("The community confirms a pending report");
        reports.MapPost("/{id:guid}/withdraw", Withdraw).WithName("registry.WithdrawReport").WithSummary("Withdraw a pending or confirmed report");
        return county;
    }

    private static async Task<Results<Created<ReportResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateReportRequest request, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("note", request.Note, maxLength: 500);
        switch (request.Kind)
        {
            case null:
                errors.Add("kind", $"'kind' is required: one of {Wire.Choices<ReportKind>()}.");
                break;
            case ReportKind.Unit:
                if (request.UnitId is null) errors.Add("unitId", "'unitId' is required for a unit report.");
                if (request.CommunityId is null) errors.Add("communityId", "'communityId' is required for a unit report: the paired community.");
                if (request.MemberId is not null) errors.Add("memberId", "'memberId' must be empty for a unit report.");
                break;
            case ReportKind.Member:
                if (request.MemberId is null) errors.Add("memberId", "'memberId' is required for a member report.");
                if (request.UnitId is not null) errors.Add("unitId", "'unitId' must be empty for a member report: the member's unit is recorded.");
                break;
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var now = clock.GetUtcNow();
        Report report;
        if (request.Kind == ReportKind.Unit)
        {
            if (await MembersApi.CheckUnitAsync(db, request.UnitId!.Value, cancellationToken) is { } unitProblem)
            {
                return unitProblem;
            }
            if (await VolunteerTeamsApi.CheckCommunityAsync(db, request.CommunityId!.Value, cancellationToken) is { } communityProblem)
            {
                return communityProblem;
            }
            var today = PairingsApi.Today(tenant, clock);
            var paired = await db.Pairings.AnyAsync(p => p.UnitId == request.UnitId && p.CommunityId == request.CommunityId
                && p.StartsOn <= today && (p.EndsOn == null || p.EndsOn >= today), cancellationToken);
            if (!paired)
            {
                return Problems.Unprocessable("not_paired", "The unit has no pairing with this community today; a unit reports to its paired community.", "communityId");
            }
            report = new Report
            {
                Id = Guid.CreateVersion7(now), Kind = ReportKind.Unit, UnitId = request.UnitId, CommunityId = request.CommunityId.Value,
                Status = ReportStatus.Pending, Note = request.Note?.Trim(), SubmittedAt = now,
            };
        }
        else
        {
            var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MemberId, cancellationToken);
            if (member is null)
            {
                return RegistryProblems.MissingReference("memberId", "member", request.MemberId!.Value);
            }
            if (member.Status != MemberStatus.Active)
            {
                return RegistryProblems.InvalidReference("memberId", "names a member who has left");
            }
            if (request.CommunityId is { } community && community != member.CommunityId)
            {
                return Problems.Unprocessable("not_home_community", "A member reports to the community they live in; move the member first if they moved.", "communityId");
            }
            var gridId = request.GridId ?? member.GridId;
            if (request.GridId is not null && await MembersApi.CheckHomeAsync(db, member.CommunityId, request.GridId, cancellationToken) is { } gridProblem)
            {
                return gridProblem;
            }
            report = new Report
            {
                Id = Guid.CreateVersion7(now), Kind = ReportKind.Member, MemberId = member.Id, UnitId = member.UnitId, CommunityId = member.CommunityId,
                GridId = gridId, Status = ReportStatus.Pending, Note = request.Note?.Trim(), SubmittedAt = now,
            };
        }
        db.Reports.Add(report);
        db.Advance(report);
        db.Outbox.Publish(RegistryEvents.Changed(report, RegistryChange.Created, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_reports_live_member") || PostgresErrors.IsUniqueViolation(exception, "ux_reports_live_unit"))
        {
            return RegistryProblems.Conflict("report_exists", "There is already a live (pending or confirmed) report; withdraw it first.",
                report.Kind == ReportKind.Member ? "memberId" : "unitId");
        }
        ETags.Tag(http, report);
        return TypedResults.Created(http.Request.Path.Add($"/{report.Id}").Value, ReportResponse.From(report));
    }

    private static async Task<Results<Ok<Page<ReportResponse>>, ValidationProblem>> List(
        string? kind, string? status, Guid? communityId, Guid? gridId, Guid? unitId, Guid? memberId, Instant? submittedFrom, Instant? submittedTo,
        int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var kindFilter = errors.OptionalEnum<ReportKind>("kind", kind);
        var statusFilter = errors.OptionalEnum<ReportStatus>("status", status);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.Reports.AsNoTracking();
        if (kindFilter is { } k) query = query.Where(r => r.Kind == k);
        if (statusFilter is { } s) query = query.Where(r => r.Status == s);
        if (communityId is { } c) query = query.Where(r => r.CommunityId == c);
        if (gridId is { } g) query = query.Where(r => r.GridId == g);
        if (unitId is { } u) query = query.Where(r => r.UnitId == u);
        if (memberId is { } m) query = query.Where(r => r.MemberId == m);
        if (submittedFrom?.Value is { } from) query = query.Where(r => r.SubmittedAt >= from);
        if (submittedTo?.Value is { } to) query = query.Where(r => r.SubmittedAt < to);
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.SubmittedAt).ThenBy(r => r.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<ReportResponse>(items.Select(ReportResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<ReportResponse>, ProblemHttpResult>> Get(Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (report is null)
        {
            return RegistryProblems.NotFound("report", id);
        }
        ETags.Tag(http, report);
        return TypedResults.Ok(ReportResponse.From(report));
    }

    private static async Task<Results<Ok<ReportResponse>, ProblemHttpResult>> Confirm(
        Guid id, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (report, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (report!.Status != ReportStatus.Pending)
        {
            return RegistryProblems.Conflict("report_not_pending", $"Only a pending report can be confirmed; this one is {Wire.Of(report.Status)}.");
        }
        var now = clock.GetUtcNow();
        report.Status = ReportStatus.Confirmed;
        report.ConfirmedAt = now;
        await SaveAsync(db, report, RegistryChange.Confirmed, now, cancellationToken);
        ETags.Tag(http, report);
        return TypedResults.Ok(ReportResponse.From(report));
    }

    private static async Task<Results<Ok<ReportResponse>, ProblemHttpResult, ValidationProblem>> Withdraw(
        Guid id, WithdrawReportRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("reason", request.Reason, maxLength: 500);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (report, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (report!.Status == ReportStatus.Withdrawn)
        {
            return RegistryProblems.Conflict("report_withdrawn", "The report was already withdrawn.");
        }
        var now = clock.GetUtcNow();
        report.Status = ReportStatus.Withdrawn;
        report.WithdrawnAt = now;
        if (request.Reason is { Length: > 0 } reason)
        {
            report.Note = reason.Trim();
        }
        await SaveAsync(db, report, RegistryChange.Withdrawn, now, cancellationToken);
        ETags.Tag(http, report);
        return TypedResults.Ok(ReportResponse.From(report));
    }

    private static async Task<Results<Ok<Page<MissingReportItem>>, ValidationProblem>> Missing(
        Guid? unitId, Guid? communityId, bool? excludePending, int? page, int? pageSize, RegistryDbContext db, ITenantContext tenant, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = ShouldReportQuery(db, PairingsApi.Today(tenant, clock)).Where(m => !m.Confirmed);
        if (unitId is { } unit)
        {
            query = query.Where(m => m.UnitId == unit);
        }
        if (communityId is { } community)
        {
            query = query.Where(m => m.CommunityId == community);
        }
        if (excludePending == true)
        {
            query = query.Where(m => !m.Pending);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(m => m.Code).ThenBy(m => m.MemberId).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<MissingReportItem>(
            items.Select(m => new MissingReportItem(m.MemberId, m.Code, m.Name, PhoneMask.Mask(m.Phone), m.UnitId, m.UnitName, m.CommunityId, m.CommunityName, m.GridId, m.Pending)).ToList(),
            paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<MissingReportSummary>, ValidationProblem>> MissingSummary(
        string? groupBy, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (groupBy is not ("unit" or "community"))
        {
            return new ValidationErrors().Add("groupBy", "'groupBy' must be unit or community.").ToProblem();
        }
        var today = PairingsApi.Today(tenant, clock);
        var shouldReport = ShouldReportQuery(db, today);
        var rows = groupBy == "unit"
            ? await shouldReport.GroupBy(m => new { Id = m.UnitId, Name = m.UnitName })
                .Select(g => new { g.Key.Id, g.Key.Name, Total = g.Count(), Reported = g.Count(m => m.Confirmed), Pending = g.Count(m => m.Pending) })
                .ToListAsync(cancellationToken)
            : await shouldReport.GroupBy(m => new { Id = m.CommunityId, Name = m.CommunityName })
                .Select(g => new { g.Key.Id, g.Key.Name, Total = g.Count(), Reported = g.Count(m => m.Confirmed), Pending = g.Count(m => m.Pending) })
                .ToListAsync(cancellationToken);
        var groups = rows.Select(r => new MissingReportGroup(r.Id, r.Name, r.Total, r.Reported, r.Pending, r.Total - r.Reported))
            .OrderByDescending(r => r.Missing).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
        var total = new MissingReportGroup(tenant.CountyId!.Value, tenant.County?.Name ?? "", groups.Sum(g => g.ShouldReport), groups.Sum(g => g.Reported),
            groups.Sum(g => g.Pending), groups.Sum(g => g.Missing));
        return TypedResults.Ok(new MissingReportSummary(groupBy, groups, total));
    }

    /// <summary>A member who should report (member-init, so EF can filter and order on it after the projection).</summary>
    private sealed class ShouldReport
    {
        public Guid MemberId { get; init; }
        public string Code { get; init; } = "";
        public string Name { get; init; } = "";
        public string Phone { get; init; } = "";
        public Guid UnitId { get; init; }
        public string UnitName { get; init; } = "";
        public Guid CommunityId { get; init; }
        public string CommunityName { get; init; } = "";
        public Guid? GridId { get; init; }
        public bool Confirmed { get; init; }
        public bool Pending { get; init; }
    }

    /// <summary>Active members whose unit has a pairing active on the day, with whether they have a confirmed or a pending member report.</summary>
    private static IQueryable<ShouldReport> ShouldReportQuery(RegistryDbContext db, DateOnly today) =>
        from member in db.Members
        join unit in db.Organisations on member.UnitId equals unit.Id
        join community in db.Areas on member.CommunityId equals community.Id
        where member.Status == MemberStatus.Active
              && db.Pairings.Any(p => p.UnitId == unit.Id && p.StartsOn <= today && (p.EndsOn == null || p.EndsOn >= today))
        select new ShouldReport
        {
            MemberId = member.Id, Code = member.Code, Name = member.Name, Phone = member.Phone, UnitId = unit.Id, UnitName = unit.Name,
            CommunityId = community.Id, CommunityName = community.Name, GridId = member.GridId,
            Confirmed = db.Reports.Any(r => r.MemberId == member.Id && r.Kind == ReportKind.Member && r.Status == ReportStatus.Confirmed),
            Pending = db.Reports.Any(r => r.MemberId == member.Id && r.Kind == ReportKind.Member && r.Status == ReportStatus.Pending),
        };

    private static async Task<(Report?, ProblemHttpResult?)> FindAsync(RegistryDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var report = await db.Reports.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (report is null)
        {
            return (null, RegistryProblems.NotFound("report", id));
        }
        return ETags.PreconditionFailed(http, report) is { } stale ? (null, stale) : (report, null);
    }

    private static async Task SaveAsync(RegistryDbContext db, Report report, string change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        db.Advance(report);
        db.Outbox.Publish(RegistryEvents.Changed(report, change, now));
        await db.SaveChangesAsync(cancellationToken);
    }
}
