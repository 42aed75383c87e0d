using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Records;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Ratings;

/// <param name="Period">2026-03, 2026-Q1 or 2026.</param>
/// <param name="SubjectKind">member or unit.</param>
/// <param name="Level">grid, community or street: whose rating this is.</param>
/// <param name="Grade">A grade of the county's officer_rating scale (e.g. excellent, good, fair, poor).</param>
public sealed record RatingRequest([Required] string? Period, [Required] string? SubjectKind, [Required] Guid? SubjectId, [Required] string? Level, [Required] string? Grade, string? Comment, [Required] string? OfficerName);

public sealed record RatingResponse(Guid Id, string Period, string SubjectKind, Guid SubjectId, string Level, string Grade, string? Comment, string OfficerName,
    DateTimeOffset EnteredAt, DateTimeOffset? SupersededAt, Guid? SupersedesId)
{
    public static RatingResponse From(OfficerRating r) =>
        new(r.Id, r.Period, r.SubjectKind, r.SubjectId, r.Level, r.Grade, r.Comment, r.OfficerName, r.EnteredAt, r.SupersededAt, r.SupersedesId);
}

/// <summary>四评 of one member or unit for a period: residents' ratings of the requests it held, and the grid's, community's and street's.</summary>
public sealed record FourRatingsResponse(string Period, string SubjectKind, Guid SubjectId, IReadOnlyDictionary<string, int> Residents, RatingResponse? Grid, RatingResponse? Community, RatingResponse? Street);

/// <summary>四评: residents' ratings come from Dispatch; grid, community and street officers enter theirs here.</summary>
public static class RatingsApi
{
    public const string OfficerScale = "officer_rating";
    public static readonly string[] Levels = ["grid", "community", "street"];

    /// <summary>The role of the officer who rates at each level.</summary>
    private static readonly Dictionary<string, string> LevelRoles = new(StringComparer.Ordinal)
    {
        ["grid"] = PlatformRoles.GridWorker,
        ["community"] = PlatformRoles.CommunityOfficer,
        ["street"] = PlatformRoles.StreetOfficer,
    };

    public static RouteGroupBuilder MapRatingsApi(this RouteGroupBuilder county)
    {
        var ratings = county.MapGroup("/ratings").WithTags("Ratings");
        ratings.MapPost("/", Enter).RequireRoles(PlatformRoles.GridWorker, PlatformRoles.CommunityOfficer, PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.EnterRating")
            .WithSummary("A grid, community or street officer rates a member or unit for a period (a later rating supersedes the earlier one)")
            .WithRequestExample(new { period = "2026-Q1", subjectKind = "member", subjectId = "01a206e3-9482-7d10-b3c4-5e6f7a8b9c0d", level = "grid", grade = "excellent", comment = "主动认领微心愿，群众认可度高", officerName = "东门社区第一网格 网格长 赵敏" });
        ratings.MapGet("/", List).WithName("evaluation.ListRatings").WithSummary("Officers' ratings by period, subject and level (current ones; ?includeSuperseded=true for all)");
        ratings.MapGet("/{id:guid}", Get).WithName("evaluation.GetRating").WithSummary("One officer's rating, current or superseded");
        ratings.MapGet("/summary", Summary).WithName("evaluation.GetFourRatings").WithSummary("四评 of a member or unit for a period: residents', grid's, community's and street's");
        return county;
    }

    private static async Task<Results<Created<RatingResponse>, ValidationProblem, ProblemHttpResult>> Enter(
        RatingRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var period = errors.RequirePeriod("period", body.Period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        RequireSubject(errors, body.SubjectKind, body.SubjectId);
        if (body.Level is null || !Levels.Contains(body.Level))
        {
            errors.Add("level", "'level' must be one of grid, community, street.");
        }
        errors.RequireText("grade", body.Grade, maxLength: 30);
        errors.OptionalText("comment", body.Comment, maxLength: 500);
        errors.RequireText("officerName", body.OfficerName, maxLength: 100);
        var now = clock.GetUtcNow();
        var settings = (await Ledger.SettingsAtAsync(db, tenant.CountyId!.Value, now, cancellationToken))?.Settings;
        var scale = settings?.RatingScales.FirstOrDefault(s => s.Name == OfficerScale);
        if (body.Grade is { } grade && scale is not null && !scale.Grades.Contains(grade.Trim()))
        {
            errors.Add("grade", $"'grade' must be one of the county's {OfficerScale} scale: {string.Join(", ", scale.Grades)}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        // An officer rates at their own level; the county's administrator at any.
        var rater = LevelRoles[body.Level!];
        if (!http.User.HasClaim(PlatformClaims.Role, rater) && !http.User.HasClaim(PlatformClaims.Role, PlatformRoles.CountyAdmin))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, AccessProblemCodes.RoleNotAllowed, "Forbidden",
                $"Only a {rater} or county_admin enters a rating at {body.Level} level.", "X-Actor-Role");
        }
        if (scale is null)
        {
            return Problems.Unprocessable("rating_scale_missing", $"The county's settings have no '{OfficerScale}' scale to rate on.", "grade");
        }
        if (await SubjectProblemAsync(db, body.SubjectKind!, body.SubjectId!.Value, "subjectId", cancellationToken) is { } missing)
        {
            return missing;
        }
        if (await PeriodsApi.ClosedAsync(db, period!.Value, cancellationToken) is not null)
        {
            return EvaluationProblems.Closed(period.Value);
        }
        var previous = await db.OfficerRatings.FirstOrDefaultAsync(r => r.Period == period.Value.Key && r.SubjectKind == body.SubjectKind && r.SubjectId == body.SubjectId
            && r.Level == body.Level && r.SupersededAt == null, cancellationToken);
        previous?.SupersededAt = now;
        var rating = new OfficerRating
        {
            Id = Guid.CreateVersion7(now), Period = period.Value.Key, SubjectKind = body.SubjectKind!, SubjectId = body.SubjectId!.Value, Level = body.Level!,
            Grade = body.Grade!.Trim(), Comment = body.Comment?.Trim(), OfficerName = body.OfficerName!.Trim(), EnteredAt = now, SupersedesId = previous?.Id,
        };
        db.OfficerRatings.Add(rating);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "Another rating of the same subject and level was entered meanwhile; read it and retry.");
        }
        return TypedResults.Created(http.Request.Path.Add($"/{rating.Id}").Value, RatingResponse.From(rating));
    }

    private static async Task<Results<Ok<RatingResponse>, ProblemHttpResult>> Get(Guid id, EvaluationDbContext db, CancellationToken cancellationToken) =>
        await db.OfficerRatings.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken) is { } rating
            ? TypedResults.Ok(RatingResponse.From(rating))
            : Problems.ResourceNotFound("rating", id);

    private static async Task<Results<Ok<Page<RatingResponse>>, ValidationProblem>> List(
        string? period, string? subjectKind, Guid? subjectId, string? level, bool? includeSuperseded, int? page, int? pageSize, EvaluationDbContext db,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        Period? parsed = period is null ? null : errors.RequirePeriod("period", period);
        if (subjectKind is not (null or "member" or "unit"))
        {
            errors.Add("subjectKind", "'subjectKind' must be one of member, unit.");
        }
        if (level is not null && !Levels.Contains(level))
        {
            errors.Add("level", "'level' must be one of grid, community, street.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.OfficerRatings.AsNoTracking();
        if (parsed is { } p)
        {
            query = query.Where(r => r.Period == p.Key);
        }
        if (subjectKind is not null)
        {
            query = query.Where(r => r.SubjectKind == subjectKind);
        }
        if (subjectId is not null)
        {
            query = query.Where(r => r.SubjectId == subjectId);
        }
        if (level is not null)
        {
            query = query.Where(r => r.Level == level);
        }
        if (includeSuperseded != true)
        {
            query = query.Where(r => r.SupersededAt == null);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.EnteredAt).ThenBy(r => r.Id).Skip(request.Skip).Take(request.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<RatingResponse>(items.Select(RatingResponse.From).ToList(), request.Page, request.PageSize, total));
    }

    private static async Task<Results<Ok<FourRatingsResponse>, ValidationProblem, ProblemHttpResult>> Summary(
        string? period, string? subjectKind, Guid? subjectId, EvaluationDbContext db, ITenantContext tenant, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = errors.RequirePeriod("period", period, PeriodKind.Month, PeriodKind.Quarter, PeriodKind.Year);
        RequireSubject(errors, subjectKind, subjectId);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await SubjectProblemAsync(db, subjectKind!, subjectId!.Value, null, cancellationToken) is { } missing)
        {
            return missing;
        }
        var four = await FourAsync(db, tenant.County!, parsed!.Value, subjectKind!, subjectId.Value, cancellationToken);
        return TypedResults.Ok(four);
    }

    /// <summary>The 四评 of a subject for a period; with <paramref name="requestSeq"/>, the residents' ratings received by then (a closed period's).</summary>
    public static async Task<FourRatingsResponse> FourAsync(
        EvaluationDbContext db, County county, Period period, string subjectKind, Guid subjectId, CancellationToken cancellationToken, long? requestSeq = null)
    {
        var span = PeriodSpan.Of(period, CountyCalendar.Zone(county.TimeZone));
        var residents = await Sql.QueryAsync(db, """
            SELECT satisfaction, count(*)::int FROM request_events
            WHERE county_id = $1 AND event_type = 'rated' AND occurred_at >= $2 AND occurred_at < $3
              AND (($4 = 'member' AND member_ids @> ARRAY[$5]::uuid[]) OR ($4 = 'unit' AND unit_id = $5))
              AND ($6::bigint IS NULL OR seq <= $6)
            GROUP BY satisfaction
            """, r => (r.GetString(0), r.GetInt32(1)), cancellationToken, county.Id, span.From, span.To,
            new NpgsqlParameter { Value = subjectKind, NpgsqlDbType = NpgsqlDbType.Text }, new NpgsqlParameter { Value = subjectId, NpgsqlDbType = NpgsqlDbType.Uuid },
            new NpgsqlParameter { Value = (object?)requestSeq ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        var officers = await db.OfficerRatings.AsNoTracking()
            .Where(r => r.Period == period.Key && r.SubjectKind == subjectKind && r.SubjectId == subjectId && r.SupersededAt == null).ToListAsync(cancellationToken);
        RatingResponse? Of(string level) => officers.FirstOrDefault(r => r.Level == level) is { } r ? RatingResponse.From(r) : null;
        return new FourRatingsResponse(period.Key, subjectKind, subjectId, residents.ToDictionary(r => r.Item1, r => r.Item2), Of("grid"), Of("community"), Of("street"));
    }

    public static void RequireSubject(ValidationErrors errors, string? subjectKind, Guid? subjectId)
    {
        if (subjectKind is not ("member" or "unit"))
        {
            errors.Add("subjectKind", "'subjectKind' must be one of member, unit.");
        }
        if (subjectId is null)
        {
            errors.Add("subjectId", "'subjectId' is required.");
        }
    }

    /// <summary>A member, or a unit organisation, of this county: 422 when a body names one that is not (404 for a query, <paramref name="field"/> null).</summary>
    public static async Task<ProblemHttpResult?> SubjectProblemAsync(EvaluationDbContext db, string kind, Guid id, string? field, CancellationToken cancellationToken)
    {
        var exists = kind == "member"
            ? await db.Members.AnyAsync(m => m.Id == id, cancellationToken)
            : await db.Organisations.AnyAsync(o => o.Id == id && (o.Kind == "government_unit" || o.Kind == "enterprise" || o.Kind == "institution"), cancellationToken);
        if (exists)
        {
            return null;
        }
        var what = kind == "member" ? "member" : "unit organisation";
        return field is null ? Problems.ResourceNotFound(kind == "member" ? "member" : "unit", id) : Problems.MissingReference(field, what, id);
    }

    /// <summary>The name of a member or unit (for assessments and publications).</summary>
    public static async Task<(string Code, string Name)> NameAsync(EvaluationDbContext db, string kind, Guid id, CancellationToken cancellationToken)
    {
        var found = kind == "member"
            ? await db.Members.AsNoTracking().Where(m => m.Id == id).Select(m => new { m.Code, m.Name }).FirstAsync(cancellationToken)
            : await db.Organisations.AsNoTracking().Where(o => o.Id == id).Select(o => new { o.Code, o.Name }).FirstAsync(cancellationToken);
        return (found.Code, found.Name);
    }
}
