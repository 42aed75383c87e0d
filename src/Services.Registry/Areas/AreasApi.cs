using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Registry.Areas;

/// <summary>A node to add to the tree.</summary>
/// <param name="Code">The county's code for the node, unique in the county (letters, digits, '-', '_'; at most 32).</param>
/// <param name="Name">e.g. 东门社区 (at most 100 characters).</param>
/// <param name="Level">street, township, community, village, grid or compound.</param>
/// <param name="ParentId">The node above: none for a street or township; a street/township for a community/village; a community/village for a grid; a grid for a compound.</param>
public sealed record CreateAreaRequest([Required] string? Code, [Required] string? Name, [Required] AreaLevel? Level, Guid? ParentId);

/// <summary>The editable fields of a node; its place in the tree changes only by the move command.</summary>
public sealed record UpdateAreaRequest([Required] string? Code, [Required] string? Name);

/// <summary>Where to move a node: its new parent (null for a street or township).</summary>
public sealed record MoveAreaRequest(Guid? ParentId);

public sealed record AreaResponse(
    Guid Id, string Code, string Name, AreaLevel Level, Guid? ParentId, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, int Version)
{
    public static AreaResponse From(Area area) =>
        new(area.Id, area.Code, area.Name, area.Level, area.ParentId, area.CreatedAt, area.RetiredAt, area.Version);
}

/// <summary>A node of the tree with its active children, for a county's front end.</summary>
public sealed record AreaTreeNode(Guid Id, string Code, string Name, AreaLevel Level, IReadOnlyList<AreaTreeNode> Children);

/// <summary>
/// The county's administrative tree (街道/镇 → 社区/村 → 网格 → 小区). Moving and retiring a node are
/// explicit commands, and neither ever orphans a child or leaves a member, organisation or station
/// pointing at a retired node.
/// </summary>
public static partial class AreasApi
{
    public static RouteGroupBuilder MapAreasApi(this RouteGroupBuilder county)
    {
        var areas = county.MapGroup("/areas").WithTags("Administrative tree");
        areas.MapPost("/", Create).WithName("registry.CreateArea").WithSummary("Add a node to the administrative tree")
            .WithRequestExample(new { code = "C01", name = "东门社区", level = "community", parentId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983" })
            .WithDescription("The parent must be an active node of an allowed level: none for street/township, street/township for community/village, community/village for grid, grid for compound.");
        areas.MapGet("/", List).WithName("registry.ListAreas").WithSummary("List nodes, filtered by level, parent or text");
        areas.MapGet("/tree", Tree).WithName("registry.GetAreaTree").WithSummary("The whole active tree, nested");
        areas.MapGet("/{id:guid}", Get).WithName("registry.GetArea").WithSummary("Get one node");
        areas.MapGet("/{id:guid}/children", Children).WithName("registry.ListAreaChildren").WithSummary("The active children of a node");
        areas.MapPut("/{id:guid}", Update).WithName("registry.UpdateArea").WithSummary("Rename a node or change its code (If-Match)");
        areas.MapPost("/{id:guid}/move", Move).WithName("registry.MoveArea").WithSummary("Move a node under another parent")
            .WithRequestExample(new { parentId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983" })
            .WithDescription("Refuses a parent of a level the node cannot sit under, a retired parent, and the node itself or one of its descendants (422 tree_cycle).");
        areas.MapPost("/{id:guid}/retire", Retire).WithName("registry.RetireArea").WithSummary("Retire a node")
            .WithDescription("Refused (409) while the node has active children (area_has_active_children) or active members, organisations, stations, teams or posts use it (area_in_use).");
        return county;
    }

    private static async Task<Results<Created<AreaResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateAreaRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ValidateCode(errors, request.Code);
        errors.RequireText("name", request.Name, maxLength: 100);
        if (request.Level is null)
        {
            errors.Add("level", $"'level' is required: one of {Wire.Choices<AreaLevel>()}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var level = request.Level!.Value;
        if (await CheckParentAsync(db, level, request.ParentId, movingId: null, cancellationToken) is { } parentProblem)
        {
            return parentProblem;
        }

        var now = clock.GetUtcNow();
        var area = new Area
        {
            Id = Guid.CreateVersion7(now), Code = request.Code!.Trim(), Name = request.Name!.Trim(), Level = level,
            ParentId = request.ParentId, CreatedAt = now,
        };
        db.Areas.Add(area);
        db.Advance(area);
        db.Outbox.Publish(RegistryEvents.Changed(area, RegistryChange.Created, now));
        if (await SaveAsync(db, area, cancellationToken) is { } conflict)
        {
            return conflict;
        }
        ETags.Tag(http, area);
        return TypedResults.Created(http.Request.Path.Add($"/{area.Id}").Value, AreaResponse.From(area));
    }

    private static async Task<Results<Ok<Page<AreaResponse>>, ValidationProblem>> List(
        string? level, Guid? parentId, string? q, bool? includeRetired, int? page, int? pageSize,
        RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var levelFilter = errors.OptionalEnum<AreaLevel>("level", level);
        errors.OptionalText("q", q, maxLength: 100);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.Areas.AsNoTracking();
        if (includeRetired != true)
        {
            query = query.Where(a => a.RetiredAt == null);
        }
        if (levelFilter is { } wanted)
        {
            query = query.Where(a => a.Level == wanted);
        }
        if (parentId is { } parent)
        {
            query = query.Where(a => a.ParentId == parent);
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var text = q.Trim();
            query = query.Where(a => a.Name.Contains(text) || a.Code.Contains(text));
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(a => a.Code).ThenBy(a => a.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<AreaResponse>(items.Select(AreaResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Ok<IReadOnlyList<AreaTreeNode>>> Tree(RegistryDbContext db, CancellationToken cancellationToken)
    {
        var areas = await db.Areas.AsNoTracking().Where(a => a.RetiredAt == null).OrderBy(a => a.Code).ToListAsync(cancellationToken);
        var children = areas.ToLookup(a => a.ParentId);
        IReadOnlyList<AreaTreeNode> Build(Guid? parent) =>
            children[parent].Select(a => new AreaTreeNode(a.Id, a.Code, a.Name, a.Level, Build(a.Id))).ToList();
        return TypedResults.Ok(Build(null));
    }

    private static async Task<Results<Ok<AreaResponse>, ProblemHttpResult>> Get(
        Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var area = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (area is null)
        {
            return RegistryProblems.NotFound("area", id);
        }
        ETags.Tag(http, area);
        return TypedResults.Ok(AreaResponse.From(area));
    }

    private static async Task<Results<Ok<IReadOnlyList<AreaResponse>>, ProblemHttpResult>> Children(
        Guid id, RegistryDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Areas.AnyAsync(a => a.Id == id, cancellationToken))
        {
            return RegistryProblems.NotFound("area", id);
        }
        var children = await db.Areas.AsNoTracking().Where(a => a.ParentId == id && a.RetiredAt == null)
            .OrderBy(a => a.Code).ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<AreaResponse>>(children.Select(AreaResponse.From).ToList());
    }

    private static async Task<Results<Ok<AreaResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateAreaRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ValidateCode(errors, request.Code);
        errors.RequireText("name", request.Name, maxLength: 100);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var area = await db.Areas.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (area is null)
        {
            return RegistryProblems.NotFound("area", id);
        }
        if (ETags.PreconditionFailed(http, area) is { } stale)
        {
            return stale;
        }
        if (area.RetiredAt is not null)
        {
            return RegistryProblems.Conflict("area_retired", "A retired node cannot be changed.");
        }
        area.Code = request.Code!.Trim();
        area.Name = request.Name!.Trim();
        if (db.Entry(area).State == EntityState.Modified)
        {
            var now = clock.GetUtcNow();
            db.Advance(area);
            db.Outbox.Publish(RegistryEvents.Changed(area, RegistryChange.Updated, now));
            if (await SaveAsync(db, area, cancellationToken) is { } conflict)
            {
                return conflict;
            }
        }
        ETags.Tag(http, area);
        return TypedResults.Ok(AreaResponse.From(area));
    }

    private static async Task<Results<Ok<AreaResponse>, ProblemHttpResult>> Move(
        Guid id, MoveAreaRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var area = await db.Areas.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (area is null)
        {
            return RegistryProblems.NotFound("area", id);
        }
        if (ETags.PreconditionFailed(http, area) is { } stale)
        {
            return stale;
        }
        if (area.RetiredAt is not null)
        {
            return RegistryProblems.Conflict("area_retired", "A retired node cannot be moved.");
        }
        if (await CheckParentAsync(db, area.Level, request.ParentId, movingId: area.Id, cancellationToken) is { } parentProblem)
        {
            return parentProblem;
        }
        if (area.ParentId != request.ParentId)
        {
            if (area.Level.IsGrid() && await MovedOutOfCommunityWhileInUseAsync(db, area, request.ParentId!.Value, cancellationToken) is { } inUse)
            {
                return inUse;
            }
            area.ParentId = request.ParentId;
            var now = clock.GetUtcNow();
            db.Advance(area);
            db.Outbox.Publish(RegistryEvents.Changed(area, RegistryChange.Moved, now));
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, area);
        return TypedResults.Ok(AreaResponse.From(area));
    }

    private static async Task<Results<Ok<AreaResponse>, ProblemHttpResult>> Retire(
        Guid id, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var area = await db.Areas.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (area is null)
        {
            return RegistryProblems.NotFound("area", id);
        }
        if (ETags.PreconditionFailed(http, area) is { } stale)
        {
            return stale;
        }
        if (area.RetiredAt is null)
        {
            var activeChildren = await db.Areas.CountAsync(a => a.ParentId == id && a.RetiredAt == null, cancellationToken);
            if (activeChildren > 0)
            {
                return RegistryProblems.Conflict("area_has_active_children",
                    $"The node has {activeChildren} active children; move or retire them first.");
            }
            var uses = await UsesAsync(db, id, cancellationToken);
            if (uses.Count > 0)
            {
                return RegistryProblems.Conflict("area_in_use", $"The node is still used by {string.Join(", ", uses)}; move or retire them first.");
            }
            var now = clock.GetUtcNow();
            area.RetiredAt = now;
            db.Advance(area);
            db.Outbox.Publish(RegistryEvents.Changed(area, RegistryChange.Retired, now));
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, area);
        return TypedResults.Ok(AreaResponse.From(area));
    }

    /// <summary>
    /// Members and pairings name a grid together with its community: a grid or compound that would
    /// change community is refused while any of them points at it (or at a compound inside it).
    /// </summary>
    private static async Task<ProblemHttpResult?> MovedOutOfCommunityWhileInUseAsync(RegistryDbContext db, Area area, Guid newParentId, CancellationToken cancellationToken)
    {
        async Task<Guid?> CommunityOfAsync(Guid? parentId) => area.Level == AreaLevel.Compound
            ? await db.Areas.Where(a => a.Id == parentId).Select(a => a.ParentId).FirstOrDefaultAsync(cancellationToken)
            : parentId;
        if (await CommunityOfAsync(area.ParentId) == await CommunityOfAsync(newParentId))
        {
            return null;
        }
        return await CommunityUsesAsync(db, area.Id, cancellationToken) is { } uses
            ? RegistryProblems.Conflict("area_in_use", $"The node cannot change community while {uses} name it with its community; move them first.")
            : null;
    }

    /// <summary>
    /// What names a grid or compound together with its community ("3 active members and 1 pairing"),
    /// so that it cannot change community under them; null when nothing does.
    /// </summary>
    internal static async Task<string?> CommunityUsesAsync(RegistryDbContext db, Guid areaId, CancellationToken cancellationToken)
    {
        var nodes = await db.Areas.Where(a => a.Id == areaId || a.ParentId == areaId).Select(a => a.Id).ToListAsync(cancellationToken);
        var members = await db.Members.CountAsync(m => m.GridId != null && nodes.Contains(m.GridId.Value) && m.Status == Members.MemberStatus.Active, cancellationToken);
        var pairings = await db.PairingGrids.Where(g => nodes.Contains(g.GridId)).Select(g => g.PairingId).Distinct().CountAsync(cancellationToken);
        var uses = new List<string>();
        if (members > 0)
        {
            uses.Add($"{members} active member{(members == 1 ? "" : "s")}");
        }
        if (pairings > 0)
        {
            uses.Add($"{pairings} pairing{(pairings == 1 ? "" : "s")}");
        }
        return uses.Count == 0 ? null : string.Join(" and ", uses);
    }

    /// <summary>What still points at a node: "3 active members", "1 active organisation" ...</summary>
    private static async Task<List<string>> UsesAsync(RegistryDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var uses = new List<string>();
        void Add(int count, string what)
        {
            if (count > 0)
            {
                uses.Add($"{count} active {what}{(count == 1 ? "" : "s")}");
            }
        }
        Add(await db.Members.CountAsync(m => (m.CommunityId == id || m.GridId == id) && m.Status == Members.MemberStatus.Active, cancellationToken), "member");
        Add(await db.Organisations.CountAsync(o => o.AreaId == id && o.RetiredAt == null, cancellationToken), "organisation");
        Add(await db.ServiceStations.CountAsync(s => s.AreaId == id && s.RetiredAt == null, cancellationToken), "service station");
        Add(await db.VolunteerTeams.CountAsync(t => t.CommunityId == id && t.RetiredAt == null, cancellationToken), "volunteer team");
        Add(await db.PublicServicePosts.CountAsync(p => p.CommunityId == id && p.RetiredAt == null, cancellationToken), "public-service post");
        return uses;
    }

    /// <summary>
    /// The parent a node of this level may have: none for street/township, otherwise an active node of
    /// an allowed level in this county — and, for a move, never the node itself or one of its descendants.
    /// </summary>
    private static async Task<ProblemHttpResult?> CheckParentAsync(
        RegistryDbContext db, AreaLevel level, Guid? parentId, Guid? movingId, CancellationToken cancellationToken)
    {
        var allowed = AreaLevels.AllowedParents(level);
        if (parentId is null)
        {
            return allowed.Count == 0
                ? null
                : RegistryProblems.InvalidReference("parentId", $"is required for a {level.ToWire()}: its parent must be a {string.Join(" or ", allowed.Select(l => l.ToWire()))}");
        }
        if (allowed.Count == 0)
        {
            return RegistryProblems.InvalidReference("parentId", $"must be empty: a {level.ToWire()} sits directly under the county");
        }
        var parent = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == parentId, cancellationToken);
        if (parent is null)
        {
            return RegistryProblems.MissingReference("parentId", "area", parentId.Value);
        }
        if (movingId is { } moving && await IsSelfOrDescendantAsync(db, parent, moving, cancellationToken))
        {
            return Problems.Unprocessable("tree_cycle", "'parentId' is the node itself or one of its descendants: the tree would have a cycle.", "parentId");
        }
        if (parent.RetiredAt is not null)
        {
            return RegistryProblems.InvalidReference("parentId", "names a retired node");
        }
        if (!allowed.Contains(parent.Level))
        {
            return RegistryProblems.InvalidReference("parentId",
                $"is a {parent.Level.ToWire()}; a {level.ToWire()} sits under a {string.Join(" or ", allowed.Select(l => l.ToWire()))}");
        }
        return null;
    }

    /// <summary>Walks up from the candidate parent: if it meets the moving node, the move would close a cycle.</summary>
    private static async Task<bool> IsSelfOrDescendantAsync(RegistryDbContext db, Area candidate, Guid moving, CancellationToken cancellationToken)
    {
        var ancestors = await db.Database.SqlQuery<Guid>($"""
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT id, parent_id FROM areas WHERE id = {candidate.Id}
                UNION ALL
                SELECT a.id, a.parent_id FROM areas a JOIN up ON a.id = up.parent_id
            )
            SELECT id AS "Value" FROM up
            """).ToListAsync(cancellationToken);
        return ancestors.Contains(moving);
    }

    private static async Task<ProblemHttpResult?> SaveAsync(RegistryDbContext db, Area area, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_areas_code"))
        {
            return RegistryProblems.Conflict("area_code_taken", $"Another node of this county has code '{area.Code}'.", "code");
        }
    }

    internal static void ValidateCode(ValidationErrors errors, string? code)
    {
        if (errors.RequireText("code", code, maxLength: 32) && !CodePattern().IsMatch(code!.Trim()))
        {
            errors.Add("code", "'code' may contain only letters, digits, '-' and '_'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex CodePattern();
}
