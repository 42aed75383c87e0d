using Platform.ServiceDefaults.Auth;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Evaluation;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Rates;
using Platform.Evaluation.Ratings;
using Platform.Evaluation.Records;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Assessments;

/// <summary>The officer acting: until credentials carry it, the body names them and their level.</summary>
/// <param name="Level">grid, community, street or county.</param>
public sealed record Officer([Required] string? Name, [Required] string? Level);

/// <param name="Period">A quarter (2026-Q1) or a year (2026).</param>
/// <param name="SubjectKind">member or unit.</param>
public sealed record CreateAssessmentRequest([Required] string? Period, [Required] string? SubjectKind, [Required] Guid? SubjectId, [Required] Officer? Officer);

/// <param name="Grade">A grade of the county's assessment scale (e.g. excellent, good, pass, fail).</param>
public sealed record StageRequest([Required] string? Grade, [Required] string? Reason, [Required] Officer? Officer);

public sealed record ReturnRequest([Required] string? Reason, [Required] Officer? Officer);

public sealed record PublishRequest([Required] Officer? Officer);

/// <summary>What an assessment is decided on: the subject's points, ratings (四评), attendance and the three rates of the requests it held.</summary>
public sealed record AssessmentEvidence(
    decimal Points, int RequestsCompleted, int Attendances, int ServiceMinutes, int SatisfiedRatings,
    IReadOnlyDictionary<string, int> ResidentRatings, IReadOnlyDictionary<string, string> OfficerRatings, RateFigures Rates, DateTimeOffset ComputedAt);

public sealed record AssessmentStepResponse(int Sequence, string Action, string FromStatus, string ToStatus, string? Grade, string? Reason, string OfficerName, string OfficerLevel, DateTimeOffset At);

public sealed record AssessmentResponse(
    Guid Id, string Period, string SubjectKind, Guid SubjectId, string SubjectName, string Status, string? InitialGrade, string? ReviewGrade, string? FinalGrade,
    AssessmentEvidence Evidence, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, int Version, IReadOnlyList<AssessmentStepResponse>? Steps = null);

/// <summary>
/// Three-stage assessment per quarter or year (初评 → 复评 → 终评): one explicit command per stage,
/// each by its level's officer (grid, community, street); a stage may return the assessment to the
/// one before with a reason; publishing locks the final result. A command the state does not allow
/// answers 409 illegal_transition (assessment_locked once published) with the current status.
/// </summary>
public static class AssessmentsApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    public const string AssessmentScale = "assessment";

    public static RouteGroupBuilder MapAssessmentsApi(this RouteGroupBuilder county)
    {
        var assessments = county.MapGroup("/assessments").WithTags("Assessments");
        assessments.MapPost("/", Create).RequireRoles(PlatformRoles.GridWorker, PlatformRoles.CommunityOfficer, PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin)
            .WithName("evaluation.CreateAssessment")
            .WithSummary("Open the assessment of a member or unit for a quarter or year, with its evidence (awaiting the grid's initial assessment)")
            .WithRequestExample(new { period = "2026-Q1", subjectKind = "member", subjectId = "01a206e3-9482-7d10-b3c4-5e6f7a8b9c0d", officer = new { name = "东门社区第一网格 赵敏", level = "grid" } });
        assessments.MapGet("/", List).WithName("evaluation.ListAssessments").WithSummary("Assessments by period, status and subject kind");
        assessments.MapGet("/{id:guid}", Get).WithName("evaluation.GetAssessment").WithSummary("An assessment with its evidence and every step");
        assessments.MapPost("/{id:guid}/initial", Initial).RequireRoles(PlatformRoles.GridWorker, PlatformRoles.CountyAdmin).WithName("evaluation.InitialAssessment").WithSummary("初评: the grid officer's grade and reason")
            .WithRequestExample(new { grade = "excellent", reason = "本季度完成诉求12件，满意率100%", officer = new { name = "赵敏", level = "grid" } });
        assessments.MapPost("/{id:guid}/review", Review).RequireRoles(PlatformRoles.CommunityOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.ReviewAssessment").WithSummary("复评: the community officer's grade and reason")
            .WithRequestExample(new { grade = "good", reason = "参加集中活动次数偏少", officer = new { name = "东门社区党委书记 李明", level = "community" } });
        assessments.MapPost("/{id:guid}/final", Final).RequireRoles(PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.FinalAssessment").WithSummary("终评: the street officer's final grade and reason")
            .WithRequestExample(new { grade = "good", reason = "同意社区复评意见", officer = new { name = "城关街道党工委 王强", level = "street" } });
        assessments.MapPost("/{id:guid}/return", Return).RequireRoles(PlatformRoles.CommunityOfficer, PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.ReturnAssessment")
            .WithSummary("Return the assessment to the previous stage with a reason (community → grid, street → community, or the street reopening its decision)")
            .WithRequestExample(new { reason = "佐证材料不全，请补充后重新初评", officer = new { name = "李明", level = "community" } });
        assessments.MapPost("/{id:guid}/publish", Publish).RequireRoles(PlatformRoles.StreetOfficer, PlatformRoles.CountyAdmin).WithName("evaluation.PublishAssessment")
            .WithSummary("Publish the decided result: it is locked from now on; publishes AssessmentPublished");
        return county;
    }

    private static async Task<Results<Created<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateAssessmentRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var period = errors.RequirePeriod("period", body.Period, PeriodKind.Quarter, PeriodKind.Year);
        RatingsApi.RequireSubject(errors, body.SubjectKind, body.SubjectId);
        ValidateOfficer(errors, body.Officer);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await RatingsApi.SubjectProblemAsync(db, body.SubjectKind!, body.SubjectId!.Value, "subjectId", cancellationToken) is { } missing)
        {
            return missing;
        }
        var now = clock.GetUtcNow();
        var (_, name) = await RatingsApi.NameAsync(db, body.SubjectKind!, body.SubjectId.Value, cancellationToken);
        var evidence = await EvidenceAsync(db, tenant.County!, period!.Value, body.SubjectKind!, body.SubjectId.Value, now, cancellationToken);
        var assessment = new Assessment
        {
            Id = Guid.CreateVersion7(now), Period = period.Value.Key, SubjectKind = body.SubjectKind!, SubjectId = body.SubjectId.Value, SubjectName = name,
            Evidence = JsonSerializer.Serialize(evidence, Json), CreatedAt = now,
        };
        db.Assessments.Add(assessment);
        var step = Step(assessment, 1, "create", "", AssessmentStatus.AwaitingInitial, null, null, body.Officer!, now);
        db.AssessmentSteps.Add(step);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (ServiceDefaults.Persistence.PostgresErrors.IsUniqueViolation(exception, "ux_assessments_subject"))
        {
            return Problems.Conflict("assessment_exists", $"The {body.SubjectKind} already has an assessment for {period.Value.Key}.", "subjectId");
        }
        ETags.Tag(http, assessment);
        return TypedResults.Created(http.Request.Path.Add($"/{assessment.Id}").Value, Response(assessment, [step]));
    }

    private static async Task<Results<Ok<Page<AssessmentResponse>>, ValidationProblem>> List(
        string? period, string? status, string? subjectKind, int? page, int? pageSize, EvaluationDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PageRequest.TryCreate(page, pageSize, errors, out var request);
        Period? parsed = period is null ? null : errors.RequirePeriod("period", period, PeriodKind.Quarter, PeriodKind.Year);
        if (status is not null && !AssessmentStatus.All.Contains(status))
        {
            errors.Add("status", $"'status' must be one of {string.Join(", ", AssessmentStatus.All)}.");
        }
        if (subjectKind is not (null or "member" or "unit"))
        {
            errors.Add("subjectKind", "'subjectKind' must be one of member, unit.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.Assessments.AsNoTracking();
        if (parsed is { } p)
        {
            query = query.Where(a => a.Period == p.Key);
        }
        if (status is not null)
        {
            query = query.Where(a => a.Status == status);
        }
        if (subjectKind is not null)
        {
            query = query.Where(a => a.SubjectKind == subjectKind);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(a => a.Period).ThenBy(a => a.SubjectName).ThenBy(a => a.Id).Skip(request.Skip).Take(request.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<AssessmentResponse>(items.Select(a => Response(a, null)).ToList(), request.Page, request.PageSize, total));
    }

    private static async Task<Results<Ok<AssessmentResponse>, ProblemHttpResult>> Get(Guid id, EvaluationDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var assessment = await db.Assessments.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (assessment is null)
        {
            return Problems.ResourceNotFound("assessment", id);
        }
        var steps = await db.AssessmentSteps.AsNoTracking().Where(s => s.AssessmentId == id).OrderBy(s => s.Sequence).ToListAsync(cancellationToken);
        ETags.Tag(http, assessment);
        return TypedResults.Ok(Response(assessment, steps));
    }

    private static Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> Initial(
        Guid id, StageRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken) =>
        StageAsync(id, body, "initial", AssessmentStatus.AwaitingInitial, AssessmentStatus.AwaitingReview, "grid", (a, g) => a.InitialGrade = g, db, tenant, clock, http, cancellationToken);

    private static Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> Review(
        Guid id, StageRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken) =>
        StageAsync(id, body, "review", AssessmentStatus.AwaitingReview, AssessmentStatus.AwaitingFinal, "community", (a, g) => a.ReviewGrade = g, db, tenant, clock, http, cancellationToken);

    private static Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> Final(
        Guid id, StageRequest body, EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken) =>
        StageAsync(id, body, "final", AssessmentStatus.AwaitingFinal, AssessmentStatus.Decided, "street", (a, g) => a.FinalGrade = g, db, tenant, clock, http, cancellationToken);

    private static async Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> StageAsync(
        Guid id, StageRequest body, string action, string from, string to, string level, Action<Assessment, string> setGrade,
        EvaluationDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("grade", body.Grade, maxLength: 30);
        errors.RequireText("reason", body.Reason, maxLength: 500);
        ValidateOfficer(errors, body.Officer);
        var now = clock.GetUtcNow();
        var scale = (await Ledger.SettingsAtAsync(db, tenant.CountyId!.Value, now, cancellationToken))?.Settings.RatingScales.FirstOrDefault(s => s.Name == AssessmentScale);
        if (body.Grade is { } grade && scale is not null && !scale.Grades.Contains(grade.Trim()))
        {
            errors.Add("grade", $"'grade' must be one of the county's {AssessmentScale} scale: {string.Join(", ", scale.Grades)}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (assessment, problem) = await FindAsync(db, http, id, action, from, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (LevelProblem(body.Officer!, level) is { } wrongLevel)
        {
            return wrongLevel;
        }
        var evidence = await EvidenceAsync(db, tenant.County!, ParsePeriod(assessment!.Period), assessment.SubjectKind, assessment.SubjectId, now, cancellationToken);
        assessment.Evidence = JsonSerializer.Serialize(evidence, Json);
        setGrade(assessment, body.Grade!.Trim());
        return await MoveAsync(db, http, assessment, action, to, body.Grade!.Trim(), body.Reason!.Trim(), body.Officer!, now, cancellationToken);
    }

    private static async Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> Return(
        Guid id, ReturnRequest body, EvaluationDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("reason", body.Reason, maxLength: 500);
        ValidateOfficer(errors, body.Officer);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (assessment, problem) = await FindAsync(db, http, id, "return", null, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var (to, level) = assessment!.Status switch
        {
            AssessmentStatus.AwaitingReview => (AssessmentStatus.AwaitingInitial, "community"),
            AssessmentStatus.AwaitingFinal => (AssessmentStatus.AwaitingReview, "street"),
            AssessmentStatus.Decided => (AssessmentStatus.AwaitingFinal, "street"),
            _ => (null, ""),
        };
        if (to is null)
        {
            return EvaluationProblems.Illegal("return", assessment.Status);
        }
        if (LevelProblem(body.Officer!, level) is { } wrongLevel)
        {
            return wrongLevel;
        }
        // The grade of the stage returned to, and those after it, are decided again.
        if (to == AssessmentStatus.AwaitingInitial)
        {
            assessment.InitialGrade = null;
        }
        if (to is AssessmentStatus.AwaitingInitial or AssessmentStatus.AwaitingReview)
        {
            assessment.ReviewGrade = null;
        }
        assessment.FinalGrade = null;
        return await MoveAsync(db, http, assessment, "return", to, null, body.Reason!.Trim(), body.Officer!, clock.GetUtcNow(), cancellationToken);
    }

    private static async Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> Publish(
        Guid id, PublishRequest body, EvaluationDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ValidateOfficer(errors, body.Officer);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (assessment, problem) = await FindAsync(db, http, id, "publish", AssessmentStatus.Decided, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body.Officer!.Level is not ("street" or "county"))
        {
            return Problems.Unprocessable("officer_level_mismatch", "A street or county officer publishes an assessment.", "officer.level");
        }
        var now = clock.GetUtcNow();
        assessment!.PublishedAt = now;
        db.Outbox.Publish(new AssessmentPublished(assessment.CountyId, assessment.Id, assessment.Period, assessment.SubjectKind, assessment.SubjectId,
            assessment.InitialGrade!, assessment.ReviewGrade!, assessment.FinalGrade!, now));
        return await MoveAsync(db, http, assessment, "publish", AssessmentStatus.Published, assessment.FinalGrade, null, body.Officer, now, cancellationToken);
    }

    private static async Task<(Assessment?, ProblemHttpResult?)> FindAsync(EvaluationDbContext db, HttpContext http, Guid id, string command, string? expected, CancellationToken cancellationToken)
    {
        var assessment = await db.Assessments.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (assessment is null)
        {
            return (null, Problems.ResourceNotFound("assessment", id));
        }
        if (ETags.PreconditionFailed(http, assessment) is { } failed)
        {
            return (null, failed);
        }
        if (assessment.Status == AssessmentStatus.Published || (expected is not null && assessment.Status != expected))
        {
            return (null, EvaluationProblems.Illegal(command, assessment.Status));
        }
        return (assessment, null);
    }

    private static async Task<Results<Ok<AssessmentResponse>, ValidationProblem, ProblemHttpResult>> MoveAsync(
        EvaluationDbContext db, HttpContext http, Assessment assessment, string action, string to, string? grade, string? reason, Officer officer, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var from = assessment.Status;
        assessment.Status = to;
        var sequence = await db.AssessmentSteps.CountAsync(s => s.AssessmentId == assessment.Id, cancellationToken) + 1;
        db.AssessmentSteps.Add(Step(assessment, sequence, action, from, to, grade, reason, officer, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception is DbUpdateConcurrencyException || ServiceDefaults.Persistence.PostgresErrors.IsUniqueViolation(exception))
        {
            return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "The assessment changed meanwhile; read it again and retry.");
        }
        var steps = await db.AssessmentSteps.AsNoTracking().Where(s => s.AssessmentId == assessment.Id).OrderBy(s => s.Sequence).ToListAsync(cancellationToken);
        ETags.Tag(http, assessment);
        return TypedResults.Ok(Response(assessment, steps));
    }

    /// <summary>
    /// Points, activity, 四评 and the rates of the requests the subject held, for the period as it stands
    /// now; for a closed period, as it stood at its close (the lines recorded and the request events
    /// received by then), as its frozen figures do.
    /// </summary>
    public static async Task<AssessmentEvidence> EvidenceAsync(EvaluationDbContext db, County county, Period period, string kind, Guid subjectId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var span = PeriodSpan.Of(period, CountyCalendar.Zone(county.TimeZone));
        var closed = await Periods.PeriodsApi.ClosedAsync(db, period, cancellationToken);
        decimal points;
        if (closed is not null)
        {
            // The frozen leaderboard: each member's points under the unit they belonged to at the close.
            var board = Periods.PeriodFigures.FromJson(closed.Figures).Leaderboard;
            points = board.Where(r => kind == "member" ? r.MemberId == subjectId : r.UnitId == subjectId).Sum(r => r.Points);
        }
        else
        {
            var memberIds = kind == "member" ? [subjectId] : await db.Members.AsNoTracking().Where(m => m.UnitId == subjectId).Select(m => m.Id).ToListAsync(cancellationToken);
            var tallies = await Points.PointsFigures.FromTalliesAsync(db, county.Id, period.Months, cancellationToken);
            points = memberIds.Sum(m => tallies.GetValueOrDefault(m));
        }
        var activity = (await SubjectActivity.LoadAsync(db, county.Id, span, cancellationToken, subjectId, closed?.ClosedAt)).GetValueOrDefault(subjectId) ?? SubjectActivity.None;
        var four = await RatingsApi.FourAsync(db, county, period, kind, subjectId, cancellationToken, closed?.RequestSeq);
        var outcomes = await RequestOutcome.LoadAsync(db, county.Id, span, closed?.RequestSeq, cancellationToken);
        var rates = RateFigures.Of(outcomes.Where(o => kind == "member" ? o.MemberIds.Contains(subjectId) : o.UnitId == subjectId));
        var officers = new Dictionary<string, string>();
        foreach (var (level, rating) in new[] { ("grid", four.Grid), ("community", four.Community), ("street", four.Street) })
        {
            if (rating is not null)
            {
                officers[level] = rating.Grade;
            }
        }
        return new AssessmentEvidence(points, activity.RequestsCompleted, activity.Attendances, activity.ServiceMinutes, activity.SatisfiedRatings, four.Residents, officers, rates, now);
    }

    private static Period ParsePeriod(string key) => Period.TryParse(key, out var period) ? period : throw new InvalidOperationException($"Stored period '{key}' does not parse.");

    private static void ValidateOfficer(ValidationErrors errors, Officer? officer)
    {
        if (officer is null)
        {
            errors.Add("officer", "'officer' is required: { name, level }.");
            return;
        }
        errors.RequireText("officer.name", officer.Name, maxLength: 100);
        if (officer.Level is not ("grid" or "community" or "street" or "county"))
        {
            errors.Add("officer.level", "'officer.level' must be one of grid, community, street, county.");
        }
    }

    private static ProblemHttpResult? LevelProblem(Officer officer, string level) => officer.Level == level
        ? null
        : Problems.Unprocessable("officer_level_mismatch", $"This step is the {level} officer's; the officer named is at the {officer.Level} level.", "officer.level");

    private static AssessmentStep Step(Assessment assessment, int sequence, string action, string from, string to, string? grade, string? reason, Officer officer, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now), AssessmentId = assessment.Id, Sequence = sequence, Action = action, FromStatus = from, ToStatus = to, Grade = grade, Reason = reason,
        OfficerName = officer.Name!.Trim(), OfficerLevel = officer.Level!, At = now,
    };

    private static AssessmentResponse Response(Assessment a, IReadOnlyList<AssessmentStep>? steps) => new(
        a.Id, a.Period, a.SubjectKind, a.SubjectId, a.SubjectName, a.Status, a.InitialGrade, a.ReviewGrade, a.FinalGrade,
        JsonSerializer.Deserialize<AssessmentEvidence>(a.Evidence, Json)!, a.CreatedAt, a.PublishedAt, a.Version,
        steps?.Select(s => new AssessmentStepResponse(s.Sequence, s.Action, s.FromStatus, s.ToStatus, s.Grade, s.Reason, s.OfficerName, s.OfficerLevel, s.At)).ToList());
}
