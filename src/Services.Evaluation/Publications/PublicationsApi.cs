using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Records;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

using Platform.ServiceDefaults.Auth;

namespace Platform.Evaluation.Publications;

/// <param name="Period">2026-03, 2026-Q1 or 2026.</param>
/// <param name="StartsAt">When the publication (公示) goes up; <paramref name="EndsAt"/> when it comes down (at most 90 days later).</param>
public sealed record CreatePublicationRequest([Required] string? Period, [Required] string? Title, [Required] DateTimeOffset? StartsAt, [Required] DateTimeOffset? EndsAt, [Required] string? CreatedBy);

/// <param name="Status">scheduled, showing or ended, by the window and the moment asked.</param>
public sealed record PublicationResponse(Guid Id, string Period, string Title, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Status, string CreatedBy, DateTimeOffset CreatedAt, int Members, int Units);

public sealed record PublicationItemResponse(string SubjectKind, Guid SubjectId, string Code, string Name, decimal Points, int RequestsCompleted, int Attendances, int ServiceMinutes,
    int SatisfiedRatings, string? OfficerRatings);

/// <summary>双亮: publications (公示) of every member's and unit's achievements and services for a period, with a window.</summary>
public static class PublicationsApi
{
    public static RouteGroupBuilder MapPublicationsApi(this RouteGroupBuilder county)
    {
        var publications = county.MapGroup("/publications").WithTags("Publications");
        publications.MapPost("/", Create).RequireRoles(PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.CreatePublication")
            .WithSummary("Publish (公示) every member's and unit's points, services and ratings for a period, for a window")
            .WithRequestExample(new { period = "2026-Q1", title = "2026年第一季度在职党员“双亮”公示", startsAt = "2026-04-03T00:00:00Z", endsAt = "2026-04-10T00:00:00Z", createdBy = "县委组织部 王强" });
        publications.MapGet("/", List).WithName("evaluation.ListPublications").WithSummary("Publications, newest first (?period=, ?status=showing)");
        publications.MapGet("/{id:guid}", Get).WithName("evaluation.GetPublication").WithSummary("A publication and its window");
        publications.MapGet("/{id:guid}/items", Items).WithName("evaluation.ListPublicationItems").WithSummary("A publication's members and units, by kind and code");
        return county;
    }

    private static async Task<Results<Created<PublicationResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreatePublicationRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var period = errors.RequirePeriod("period", body.Period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        errors.RequireText("title", body.Title, maxLength: 200);
        errors.RequireText("createdBy", body.CreatedBy, maxLength: 100);
        var now = clock.GetUtcNow();
        if (body.StartsAt is null)
        {
            errors.Add("startsAt", "'startsAt' is required.");
        }
        else if (body.StartsAt.Value - now > TimeSpan.FromDays(366))
        {
            errors.Add("startsAt", "'startsAt' must be within a year from now: a publication is shown soon after its period is assessed.");
        }
        // Compared by the gap, not by adding 90 days to the start: near the calendar's end that would overflow.
        if (body.EndsAt is null || body.StartsAt is { } s && (body.EndsAt <= s || body.EndsAt.Value - s > TimeSpan.FromDays(90)))
        {
            errors.Add("endsAt", "'endsAt' is required, after 'startsAt' and at most 90 days later.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var county = tenant.County!;
        var figures = await PeriodFigures.ForAsync(db, county, period!.Value, now, cancellationToken);
        var span = PeriodSpan.Of(period.Value, CountyCalendar.Zone(county.TimeZone));
        var closed = await PeriodsApi.ClosedAsync(db, period.Value, cancellationToken);
        var activity = await SubjectActivity.LoadAsync(db, county.Id, span, cancellationToken, closedAt: closed?.ClosedAt);
        var ratings = (await db.OfficerRatings.AsNoTracking().Where(r => r.Period == period.Value.Key && r.SupersededAt == null).ToListAsync(cancellationToken))
            .GroupBy(r => r.SubjectId).ToDictionary(g => g.Key, g => string.Join("; ", g.OrderBy(r => Array.IndexOf(Ratings.RatingsApi.Levels, r.Level)).Select(r => $"{r.Level}: {r.Grade}")));
        var publication = new Publication
        {
            Id = Guid.CreateVersion7(now), Period = period.Value.Key, Title = body.Title!.Trim(), StartsAt = body.StartsAt!.Value, EndsAt = body.EndsAt!.Value,
            CreatedBy = body.CreatedBy!.Trim(), CreatedAt = now,
        };
        db.Publications.Add(publication);
        PublicationItem Item(string kind, Guid id, string code, string name, decimal points)
        {
            var a = activity.GetValueOrDefault(id) ?? SubjectActivity.None;
            return new PublicationItem
            {
                Id = Guid.CreateVersion7(now), PublicationId = publication.Id, SubjectKind = kind, SubjectId = id, Code = code, Name = name, Points = points,
                RequestsCompleted = a.RequestsCompleted, Attendances = a.Attendances, ServiceMinutes = a.ServiceMinutes, SatisfiedRatings = a.SatisfiedRatings,
                OfficerRatings = ratings.GetValueOrDefault(id),
            };
        }
        var members = figures.Leaderboard.Select(r => Item(RecordKinds.MemberSubject, r.MemberId, r.Code, r.Name, r.Points)).ToList();
        var unitPoints = figures.Leaderboard.Where(r => r.UnitId is not null).GroupBy(r => r.UnitId!.Value).ToDictionary(g => g.Key, g => g.Sum(r => r.Points));
        var units = (await db.Organisations.AsNoTracking().Where(o => o.Kind == "government_unit" || o.Kind == "enterprise" || o.Kind == "institution").ToListAsync(cancellationToken))
            // A retired unit only with points or activity in the period.
            .Where(u => u.RetiredAt is null || unitPoints.ContainsKey(u.Id) || activity.ContainsKey(u.Id))
            .Select(u => Item(RecordKinds.UnitSubject, u.Id, u.Code, u.Name, unitPoints.GetValueOrDefault(u.Id))).ToList();
        db.PublicationItems.AddRange(members);
        db.PublicationItems.AddRange(units);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(http.Request.Path.Add($"/{publication.Id}").Value, Response(publication, now, members.Count, units.Count));
    }

    private static async Task<Results<Ok<Page<PublicationResponse>>, ValidationProblem>> List(
        string? period, string? status, int? page, int? pageSize, EvaluationDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        Period? parsed = period is null ? null : errors.RequirePeriod("period", period);
        if (status is not (null or "scheduled" or "showing" or "ended"))
        {
            errors.Add("status", "'status' must be one of scheduled, showing, ended.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var now = clock.GetUtcNow();
        var query = db.Publications.AsNoTracking();
        if (parsed is { } p)
        {
            query = query.Where(x => x.Period == p.Key);
        }
        query = status switch
        {
            "scheduled" => query.Where(x => x.StartsAt > now),
            "showing" => query.Where(x => x.StartsAt <= now && x.EndsAt > now),
            "ended" => query.Where(x => x.EndsAt <= now),
            _ => query,
        };
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderByDescending(x => x.CreatedAt).ThenByDescending(x => x.Id).Skip(request.Skip).Take(request.PageSize).ToListAsync(cancellationToken);
        var ids = items.Select(i => i.Id).ToList();
        var counts = await db.PublicationItems.Where(i => ids.Contains(i.PublicationId)).GroupBy(i => new { i.PublicationId, i.SubjectKind })
            .Select(g => new { g.Key.PublicationId, g.Key.SubjectKind, Count = g.Count() }).ToListAsync(cancellationToken);
        int Count(Guid id, string kind) => counts.FirstOrDefault(c => c.PublicationId == id && c.SubjectKind == kind)?.Count ?? 0;
        return TypedResults.Ok(new Page<PublicationResponse>(items.Select(i => Response(i, now, Count(i.Id, "member"), Count(i.Id, "unit"))).ToList(), request.Page, request.PageSize, total));
    }

    private static async Task<Results<Ok<PublicationResponse>, ProblemHttpResult>> Get(Guid id, EvaluationDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var publication = await db.Publications.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (publication is null)
        {
            return Problems.ResourceNotFound("publication", id);
        }
        var members = await db.PublicationItems.CountAsync(i => i.PublicationId == id && i.SubjectKind == "member", cancellationToken);
        var units = await db.PublicationItems.CountAsync(i => i.PublicationId == id && i.SubjectKind == "unit", cancellationToken);
        return TypedResults.Ok(Response(publication, clock.GetUtcNow(), members, units));
    }

    private static async Task<Results<Ok<Page<PublicationItemResponse>>, ValidationProblem, ProblemHttpResult>> Items(
        Guid id, string? subjectKind, int? page, int? pageSize, EvaluationDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        if (subjectKind is not (null or "member" or "unit"))
        {
            errors.Add("subjectKind", "'subjectKind' must be one of member, unit.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (!await db.Publications.AnyAsync(p => p.Id == id, cancellationToken))
        {
            return Problems.ResourceNotFound("publication", id);
        }
        var query = db.PublicationItems.AsNoTracking().Where(i => i.PublicationId == id && (subjectKind == null || i.SubjectKind == subjectKind));
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(i => i.SubjectKind).ThenBy(i => i.Code).Skip(request.Skip).Take(request.PageSize)
            .Select(i => new PublicationItemResponse(i.SubjectKind, i.SubjectId, i.Code, i.Name, i.Points, i.RequestsCompleted, i.Attendances, i.ServiceMinutes, i.SatisfiedRatings, i.OfficerRatings))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<PublicationItemResponse>(items, request.Page, request.PageSize, total));
    }

    private static PublicationResponse Response(Publication p, DateTimeOffset now, int members, int units) => new(
        p.Id, p.Period, p.Title, p.StartsAt, p.EndsAt, now < p.StartsAt ? "scheduled" : now < p.EndsAt ? "showing" : "ended", p.CreatedBy, p.CreatedAt, members, units);
}
