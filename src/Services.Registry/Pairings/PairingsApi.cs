using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.Registry.Teams;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Pairings;

/// <param name="UnitId">The unit organisation (机关/企业/事业单位).</param>
/// <param name="CommunityId">The community or village.</param>
/// <param name="GridIds">Grids of that community the unit takes on (包联网格), optional.</param>
/// <param name="StartsOn">First day, county calendar (yyyy-MM-dd).</param>
/// <param name="EndsOn">Last day (inclusive), optional.</param>
public sealed record CreatePairingRequest([Required] Guid? UnitId, [Required] Guid? CommunityId, IReadOnlyList<Guid>? GridIds, [Required] DateOnly? StartsOn, DateOnly? EndsOn);

public sealed record UpdatePairingRequest(IReadOnlyList<Guid>? GridIds, DateOnly? EndsOn);

public sealed record EndPairingRequest([Required] DateOnly? EndsOn);

/// <param name="Kind">co_construction_project (共建项目), livelihood_task (民生实事) or joint_meeting (联席会议).</param>
public sealed record CommitmentRequest([Required] CommitmentKind? Kind, [Required] string? Title, string? Description, DateOnly? DueOn);

public sealed record UpdateCommitmentRequest([Required] string? Title, string? Description, DateOnly? DueOn);

public sealed record CommitmentResponse(
    Guid Id, Guid PairingId, CommitmentKind Kind, string Title, string? Description, DateOnly? DueOn, CommitmentStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, int Version)
{
    public static CommitmentResponse From(Commitment c) =>
        new(c.Id, c.PairingId, c.Kind, c.Title, c.Description, c.DueOn, c.Status, c.CreatedAt, c.CompletedAt, c.Version);
}

public sealed record PairingResponse(
    Guid Id, Guid UnitId, Guid CommunityId, IReadOnlyList<Guid> GridIds, DateOnly StartsOn, DateOnly? EndsOn, DateTimeOffset CreatedAt, int Version,
    IReadOnlyList<CommitmentResponse> Commitments);

/// <summary>
/// Pairings (结对联系) of unit organisations with communities and grids, and the unit's commitments
/// in each (co-construction projects, livelihood tasks, joint meetings), which Dispatch sees.
/// </summary>
public static class PairingsApi
{
    public static RouteGroupBuilder MapPairingsApi(this RouteGroupBuilder county)
    {
        var pairings = county.MapGroup("/pairings").WithTags("Pairings");
        pairings.MapPost("/", Create).WithName("registry.CreatePairing").WithSummary("Pair a unit organisation with a community")
            .WithRequestExample(new { unitId = "01a206e3-9237-7525-a94d-620df108d365", communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", gridIds = new[] { "01a206e3-947e-72b0-8261-1174d9e4231d" }, startsOn = "2026-01-01" })
            .WithDescription("A unit may not have two overlapping pairings with the same community (409 pairing_overlaps).");
        pairings.MapGet("/", List).WithName("registry.ListPairings").WithSummary("List pairings by unit, community or a day they are active on");
        pairings.MapGet("/{id:guid}", Get).WithName("registry.GetPairing").WithSummary("Get a pairing with its grids and commitments");
        pairings.MapPut("/{id:guid}", Update).WithName("registry.UpdatePairing").WithSummary("Change a pairing's grids or end date (If-Match)");
        pairings.MapPost("/{id:guid}/end", End).WithName("registry.EndPairing").WithSummary("End a pairing on a day");
        pairings.MapPost("/{id:guid}/commitments", AddCommitment).WithName("registry.AddCommitment").WithSummary("Record a unit's commitment in the pairing")
            .WithRequestExample(new { kind = "livelihood_task", title = "改造老旧小区路灯20盏", description = "联合社区排查并更换损坏路灯", dueOn = "2026-06-30" });
        pairings.MapGet("/{id:guid}/commitments/{commitmentId:guid}", GetCommitment).WithName("registry.GetCommitment").WithSummary("Get one of the pairing's commitments");
        pairings.MapPut("/{id:guid}/commitments/{commitmentId:guid}", UpdateCommitment).WithName("registry.UpdateCommitment").WithSummary("Change an open commitment (If-Match on the commitment)");
        pairings.MapPost("/{id:guid}/commitments/{commitmentId:guid}/complete", (Guid id, Guid commitmentId, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
            CloseCommitment(id, commitmentId, CommitmentStatus.Done, db, clock, http, ct)).WithName("registry.CompleteCommitment").WithSummary("Mark a commitment done");
        pairings.MapPost("/{id:guid}/commitments/{commitmentId:guid}/cancel", (Guid id, Guid commitmentId, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
            CloseCommitment(id, commitmentId, CommitmentStatus.Cancelled, db, clock, http, ct)).WithName("registry.CancelCommitment").WithSummary("Cancel a commitment");
        county.MapGet("/commitments", ListCommitments).WithTags("Pairings").WithName("registry.ListCommitments")
            .WithSummary("Commitments across pairings, by unit, community or status");
        return county;
    }

    private static async Task<Results<Created<PairingResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreatePairingRequest request, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.UnitId is null)
        {
            errors.Add("unitId", "'unitId' is required.");
        }
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required.");
        }
        if (request.StartsOn is null)
        {
            errors.Add("startsOn", "'startsOn' is required (yyyy-MM-dd).");
        }
        ValidatePeriod(errors, request.StartsOn, request.EndsOn);
        ValidateGrids(errors, request.GridIds);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await MembersApi.CheckUnitAsync(db, request.UnitId!.Value, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        if (await VolunteerTeamsApi.CheckCommunityAsync(db, request.CommunityId!.Value, cancellationToken) is { } communityProblem)
        {
            return communityProblem;
        }
        var gridIds = request.GridIds ?? [];
        if (await CheckGridsAsync(db, request.CommunityId.Value, gridIds, cancellationToken) is { } gridProblem)
        {
            return gridProblem;
        }
        await using var transaction = await LockPairingsAsync(db, tenant, cancellationToken);
        if (await OverlapsAsync(db, request.UnitId.Value, request.CommunityId.Value, request.StartsOn!.Value, request.EndsOn, exceptId: null, cancellationToken))
        {
            return RegistryProblems.Conflict("pairing_overlaps", "The unit already has a pairing with this community in that period.", "startsOn");
        }
        var now = clock.GetUtcNow();
        var pairing = new Pairing
        {
            Id = Guid.CreateVersion7(now), UnitId = request.UnitId.Value, CommunityId = request.CommunityId.Value,
            StartsOn = request.StartsOn.Value, EndsOn = request.EndsOn, CreatedAt = now,
        };
        db.Pairings.Add(pairing);
        db.PairingGrids.AddRange(gridIds.Select(g => new PairingGrid { PairingId = pairing.Id, GridId = g }));
        db.Advance(pairing);
        db.Outbox.Publish(RegistryEvents.Changed(pairing, RegistryChange.Created, now, gridIds, []));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_pairings_unit_community_start"))
        {
            return RegistryProblems.Conflict("pairing_overlaps", "The unit already has a pairing with this community starting that day.", "startsOn");
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, pairing);
        return TypedResults.Created(http.Request.Path.Add($"/{pairing.Id}").Value, await DetailAsync(db, pairing, cancellationToken));
    }

    private static async Task<Results<Ok<Page<PairingResponse>>, ValidationProblem>> List(
        Guid? unitId, Guid? communityId, DateOnly? activeOn, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.Pairings.AsNoTracking();
        if (unitId is { } unit)
        {
            query = query.Where(p => p.UnitId == unit);
        }
        if (communityId is { } community)
        {
            query = query.Where(p => p.CommunityId == community);
        }
        if (activeOn is { } day)
        {
            query = query.Where(p => p.StartsOn <= day && (p.EndsOn == null || p.EndsOn >= day));
        }
        var total = await query.LongCountAsync(cancellationToken);
        var pairings = await query.OrderBy(p => p.StartsOn).ThenBy(p => p.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var ids = pairings.Select(p => p.Id).ToList();
        var grids = (await db.PairingGrids.AsNoTracking().Where(g => ids.Contains(g.PairingId)).ToListAsync(cancellationToken)).ToLookup(g => g.PairingId);
        var commitments = (await db.Commitments.AsNoTracking().Where(c => ids.Contains(c.PairingId)).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken)).ToLookup(c => c.PairingId);
        var items = pairings.Select(p => Response(p, grids[p.Id].Select(g => g.GridId), commitments[p.Id])).ToList();
        return TypedResults.Ok(new Page<PairingResponse>(items, paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<PairingResponse>, ProblemHttpResult>> Get(Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var pairing = await db.Pairings.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (pairing is null)
        {
            return RegistryProblems.NotFound("pairing", id);
        }
        ETags.Tag(http, pairing);
        return TypedResults.Ok(await DetailAsync(db, pairing, cancellationToken));
    }

    private static async Task<Results<Ok<PairingResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdatePairingRequest request, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ValidateGrids(errors, request.GridIds);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (pairing, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        ValidatePeriod(errors, pairing!.StartsOn, request.EndsOn);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var gridIds = request.GridIds ?? [];
        if (await CheckGridsAsync(db, pairing.CommunityId, gridIds, cancellationToken) is { } gridProblem)
        {
            return gridProblem;
        }
        await using var transaction = request.EndsOn != pairing.EndsOn ? await LockPairingsAsync(db, tenant, cancellationToken) : null;
        if (request.EndsOn != pairing.EndsOn &&
            await OverlapsAsync(db, pairing.UnitId, pairing.CommunityId, pairing.StartsOn, request.EndsOn, pairing.Id, cancellationToken))
        {
            return RegistryProblems.Conflict("pairing_overlaps", "With that end date the pairing would overlap another of the same unit and community.", "endsOn");
        }
        pairing.EndsOn = request.EndsOn;
        db.PairingGrids.RemoveRange(await db.PairingGrids.Where(g => g.PairingId == id).ToListAsync(cancellationToken));
        db.PairingGrids.AddRange(gridIds.Select(g => new PairingGrid { PairingId = id, GridId = g }));
        var saved = await PublishAndSaveAsync(db, http, pairing, RegistryChange.Updated, clock.GetUtcNow(), gridIds, cancellationToken);
        if (transaction is not null && saved.Result is Ok<PairingResponse>)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        return saved;
    }

    private static async Task<Results<Ok<PairingResponse>, ValidationProblem, ProblemHttpResult>> End(
        Guid id, EndPairingRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (pairing, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new ValidationErrors();
        if (request.EndsOn is null)
        {
            errors.Add("endsOn", "'endsOn' is required: the pairing's last day.");
        }
        ValidatePeriod(errors, pairing!.StartsOn, request.EndsOn);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (pairing.EndsOn is { } ended && ended <= request.EndsOn)
        {
            return RegistryProblems.Conflict("pairing_ended", $"The pairing already ends on {ended:yyyy-MM-dd}.");
        }
        pairing.EndsOn = request.EndsOn;
        var grids = await db.PairingGrids.Where(g => g.PairingId == id).Select(g => g.GridId).ToListAsync(cancellationToken);
        return await PublishAndSaveAsync(db, http, pairing, RegistryChange.Ended, clock.GetUtcNow(), grids, cancellationToken);
    }

    private static async Task<Results<Created<CommitmentResponse>, ValidationProblem, ProblemHttpResult>> AddCommitment(
        Guid id, CommitmentRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Kind is null)
        {
            errors.Add("kind", $"'kind' is required: one of {Wire.Choices<CommitmentKind>()}.");
        }
        errors.RequireText("title", request.Title, maxLength: 100);
        errors.OptionalText("description", request.Description, maxLength: 1000);
        ValidateDate(errors, "dueOn", request.DueOn);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (pairing, problem) = await FindAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var now = clock.GetUtcNow();
        var commitment = new Commitment
        {
            Id = Guid.CreateVersion7(now), PairingId = id, Kind = request.Kind!.Value, Title = request.Title!.Trim(),
            Description = request.Description?.Trim(), DueOn = request.DueOn, Status = CommitmentStatus.Open, CreatedAt = now,
        };
        db.Commitments.Add(commitment);
        db.Advance(commitment);
        var grids = await db.PairingGrids.Where(g => g.PairingId == id).Select(g => g.GridId).ToListAsync(cancellationToken);
        await PublishAndSaveAsync(db, http, pairing!, RegistryChange.Updated, now, grids, cancellationToken);
        ETags.Tag(http, commitment);
        return TypedResults.Created(http.Request.Path.Add($"/{commitment.Id}").Value, CommitmentResponse.From(commitment));
    }

    private static async Task<Results<Ok<CommitmentResponse>, ProblemHttpResult>> GetCommitment(
        Guid id, Guid commitmentId, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        if (!await db.Pairings.AnyAsync(p => p.Id == id, cancellationToken))
        {
            return RegistryProblems.NotFound("pairing", id);
        }
        var commitment = await db.Commitments.AsNoTracking().FirstOrDefaultAsync(c => c.Id == commitmentId && c.PairingId == id, cancellationToken);
        if (commitment is null)
        {
            return RegistryProblems.NotFound("commitment", commitmentId);
        }
        ETags.Tag(http, commitment);
        return TypedResults.Ok(CommitmentResponse.From(commitment));
    }

    private static async Task<Results<Ok<CommitmentResponse>, ValidationProblem, ProblemHttpResult>> UpdateCommitment(
        Guid id, Guid commitmentId, UpdateCommitmentRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("title", request.Title, maxLength: 100);
        errors.OptionalText("description", request.Description, maxLength: 1000);
        ValidateDate(errors, "dueOn", request.DueOn);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (pairing, commitment, problem) = await FindCommitmentAsync(db, http, id, commitmentId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        commitment!.Title = request.Title!.Trim();
        commitment.Description = request.Description?.Trim();
        commitment.DueOn = request.DueOn;
        if (db.Entry(commitment).State == EntityState.Modified)
        {
            db.Advance(commitment);
            var grids = await db.PairingGrids.Where(g => g.PairingId == id).Select(g => g.GridId).ToListAsync(cancellationToken);
            await PublishAndSaveAsync(db, http, pairing!, RegistryChange.Updated, clock.GetUtcNow(), grids, cancellationToken);
        }
        ETags.Tag(http, commitment);
        return TypedResults.Ok(CommitmentResponse.From(commitment));
    }

    private static async Task<Results<Ok<CommitmentResponse>, ProblemHttpResult>> CloseCommitment(
        Guid id, Guid commitmentId, CommitmentStatus status, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (pairing, commitment, problem) = await FindCommitmentAsync(db, http, id, commitmentId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var now = clock.GetUtcNow();
        commitment!.Status = status;
        commitment.CompletedAt = now;
        db.Advance(commitment);
        var grids = await db.PairingGrids.Where(g => g.PairingId == id).Select(g => g.GridId).ToListAsync(cancellationToken);
        await PublishAndSaveAsync(db, http, pairing!, RegistryChange.Updated, now, grids, cancellationToken);
        ETags.Tag(http, commitment);
        return TypedResults.Ok(CommitmentResponse.From(commitment));
    }

    private static async Task<Results<Ok<Page<CommitmentResponse>>, ValidationProblem>> ListCommitments(
        Guid? unitId, Guid? communityId, string? status, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var statusFilter = errors.OptionalEnum<CommitmentStatus>("status", status);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = from commitment in db.Commitments.AsNoTracking()
                    join pairing in db.Pairings.AsNoTracking() on commitment.PairingId equals pairing.Id
                    where (unitId == null || pairing.UnitId == unitId) && (communityId == null || pairing.CommunityId == communityId)
                    select commitment;
        if (statusFilter is { } wanted)
        {
            query = query.Where(c => c.Status == wanted);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(c => c.DueOn).ThenBy(c => c.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<CommitmentResponse>(items.Select(CommitmentResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<PairingResponse>, ValidationProblem, ProblemHttpResult>> PublishAndSaveAsync(
        RegistryDbContext db, HttpContext http, Pairing pairing, string change, DateTimeOffset now, IReadOnlyList<Guid> gridIds, CancellationToken cancellationToken)
    {
        db.Advance(pairing);
        var commitments = await db.AfterSaveAsync<Commitment>(c => c.PairingId == pairing.Id, cancellationToken);
        db.Outbox.Publish(RegistryEvents.Changed(pairing, change, now, gridIds, commitments));
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, pairing);
        return TypedResults.Ok(await DetailAsync(db, pairing, cancellationToken));
    }

    private static async Task<PairingResponse> DetailAsync(RegistryDbContext db, Pairing pairing, CancellationToken cancellationToken)
    {
        var grids = await db.PairingGrids.AsNoTracking().Where(g => g.PairingId == pairing.Id).Select(g => g.GridId).ToListAsync(cancellationToken);
        var commitments = await db.Commitments.AsNoTracking().Where(c => c.PairingId == pairing.Id).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        return Response(pairing, grids, commitments);
    }

    private static PairingResponse Response(Pairing p, IEnumerable<Guid> grids, IEnumerable<Commitment> commitments) =>
        new(p.Id, p.UnitId, p.CommunityId, grids.Order().ToList(), p.StartsOn, p.EndsOn, p.CreatedAt, p.Version, commitments.Select(CommitmentResponse.From).ToList());

    private static void ValidatePeriod(ValidationErrors errors, DateOnly? startsOn, DateOnly? endsOn)
    {
        ValidateDate(errors, "startsOn", startsOn);
        ValidateDate(errors, "endsOn", endsOn);
        if (startsOn is { } start && endsOn is { } end && end < start)
        {
            errors.Add("endsOn", "'endsOn' must not be before 'startsOn'.");
        }
    }

    /// <summary>The years a county's calendar takes (as activities and Evaluation's periods): a date outside them is a typing error.</summary>
    internal static void ValidateDate(ValidationErrors errors, string field, DateOnly? date)
    {
        if (date is { } day && !CalendarYears.Contains(day.Year))
        {
            errors.Add(field, $"'{field}' must be a date of a year from {CalendarYears.Text}.");
        }
    }

    private static void ValidateGrids(ValidationErrors errors, IReadOnlyList<Guid>? gridIds)
    {
        if (gridIds is null)
        {
            return;
        }
        if (gridIds.Count > 100)
        {
            errors.Add("gridIds", "'gridIds' may hold at most 100 grids.");
        }
        if (gridIds.Distinct().Count() != gridIds.Count)
        {
            errors.Add("gridIds", "'gridIds' names a grid more than once.");
        }
    }

    private static async Task<ProblemHttpResult?> CheckGridsAsync(RegistryDbContext db, Guid communityId, IReadOnlyList<Guid> gridIds, CancellationToken cancellationToken)
    {
        if (gridIds.Count == 0)
        {
            return null;
        }
        var grids = await db.Areas.AsNoTracking().Where(a => gridIds.Contains(a.Id)).ToListAsync(cancellationToken);
        var missing = gridIds.FirstOrDefault(id => grids.All(g => g.Id != id));
        if (missing != Guid.Empty)
        {
            return RegistryProblems.MissingReference("gridIds", "area", missing);
        }
        return grids.All(g => g.Level == AreaLevel.Grid && g.RetiredAt is null && g.ParentId == communityId)
            ? null
            : RegistryProblems.InvalidReference("gridIds", "must name active grids of the paired community");
    }

    /// <summary>
    /// Serialises the county's pairing writes that could make two periods of one unit and community
    /// overlap (creating one, lengthening one, importing them): each checks for an overlap and saves
    /// under this lock, so two of them at the same moment cannot both find none. Taken in the request's
    /// transaction, or in one begun here (returned, for the caller to commit).
    /// </summary>
    internal static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction?> LockPairingsAsync(
        RegistryDbContext db, ITenantContext tenant, CancellationToken cancellationToken)
    {
        var transaction = await db.BeginUnlessInTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"pairings:" + tenant.CountyId}, 0))", cancellationToken);
        return transaction;
    }

    private static Task<bool> OverlapsAsync(RegistryDbContext db, Guid unitId, Guid communityId, DateOnly startsOn, DateOnly? endsOn, Guid? exceptId, CancellationToken cancellationToken) =>
        db.Pairings.AnyAsync(p => p.UnitId == unitId && p.CommunityId == communityId && p.Id != exceptId
            && (p.EndsOn == null || p.EndsOn >= startsOn) && (endsOn == null || p.StartsOn <= endsOn), cancellationToken);

    private static async Task<(Pairing?, ProblemHttpResult?)> FindAsync(RegistryDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var pairing = await db.Pairings.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (pairing is null)
        {
            return (null, RegistryProblems.NotFound("pairing", id));
        }
        return ETags.PreconditionFailed(http, pairing) is { } stale ? (null, stale) : (pairing, null);
    }

    private static async Task<(Pairing?, Commitment?, ProblemHttpResult?)> FindCommitmentAsync(
        RegistryDbContext db, HttpContext http, Guid id, Guid commitmentId, CancellationToken cancellationToken)
    {
        var pairing = await db.Pairings.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (pairing is null)
        {
            return (null, null, RegistryProblems.NotFound("pairing", id));
        }
        var commitment = await db.Commitments.FirstOrDefaultAsync(c => c.Id == commitmentId && c.PairingId == id, cancellationToken);
        if (commitment is null)
        {
            return (null, null, RegistryProblems.NotFound("commitment", commitmentId));
        }
        if (ETags.PreconditionFailed(http, commitment) is { } stale)
        {
            return (null, null, stale);
        }
        return commitment.Status == CommitmentStatus.Open
            ? (pairing, commitment, null)
            : (null, null, RegistryProblems.Conflict("commitment_not_open", $"The commitment is {Wire.Of(commitment.Status)}."));
    }

    /// <summary>Today in the county's calendar.</summary>
    internal static DateOnly Today(ITenantContext tenant, TimeProvider clock)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(tenant.County?.TimeZone ?? "Asia/Shanghai");
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
    }
}
