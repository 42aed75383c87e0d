using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Organisations;
using Platform.Registry.Posts;
using Platform.Registry.Reports;
using Platform.Registry.Teams;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Registry.Members;

/// <summary>A member's details. On update every field is sent (a missing list clears it).</summary>
/// <param name="Code">The county's number for the member (党员编号), unique in the county.</param>
/// <param name="Name">At most 50 characters.</param>
/// <param name="Phone">A mobile (11 digits starting with 1) or a landline; shown masked in lists.</param>
/// <param name="UnitId">The unit organisation the member works in (机关/企业/事业单位).</param>
/// <param name="CommunityId">The community or village of residence.</param>
/// <param name="GridId">The grid (or compound) of residence, inside that community.</param>
/// <param name="Skills">Skills (特长), e.g. 水电维修, 法律咨询: at most 20, each 1–20 characters.</param>
/// <param name="Intentions">Service intentions (服务意向): at most 20, each 1–20 characters.</param>
/// <param name="Availability">Weekly windows, county local time, e.g. {"day":"saturday","from":"09:00","to":"12:00"}.</param>
/// <param name="DemonstrationHousehold">党员示范户.</param>
/// <param name="GridRole">reporting (报到党员) or without_post (无职党员): each grid has at most one of each ("1+1").</param>
public sealed record MemberRequest(
    [Required] string? Code, [Required] string? Name, [Required] string? Phone, [Required] Guid? UnitId, [Required] Guid? CommunityId, Guid? GridId,
    IReadOnlyList<string>? Skills, IReadOnlyList<string>? Intentions, IReadOnlyList<AvailabilityWindow>? Availability,
    bool? DemonstrationHousehold, GridRole? GridRole);

/// <summary>Only the details a member changes themselves; where they live and work changes by command.</summary>
public sealed record UpdateMemberRequest(
    [Required] string? Name, [Required] string? Phone, IReadOnlyList<string>? Skills, IReadOnlyList<string>? Intentions,
    IReadOnlyList<AvailabilityWindow>? Availability, bool? DemonstrationHousehold, GridRole? GridRole);

public sealed record MoveMemberRequest([Required] Guid? CommunityId, Guid? GridId);

public sealed record ChangeUnitRequest([Required] Guid? UnitId);

public sealed record LeaveRequest(string? Reason);

public sealed record MemberResponse(
    Guid Id, string Code, string Name, string Phone, Guid? UnitId, Guid CommunityId, Guid? GridId,
    IReadOnlyList<string> Skills, IReadOnlyList<string> Intentions, IReadOnlyList<AvailabilityWindow> Availability,
    bool DemonstrationHousehold, GridRole? GridRole, MemberStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? LeftAt, int Version)
{
    /// <summary>The full record (phone in full) or, for lists, with the phone masked.</summary>
    public static MemberResponse From(Member m, bool maskPhone = false) =>
        new(m.Id, m.Code, m.Name, maskPhone ? PhoneMask.Mask(m.Phone) : m.Phone, m.UnitId, m.CommunityId, m.GridId,
            m.Skills, m.Intentions, m.Availability, m.DemonstrationHousehold, m.GridRole, m.Status, m.CreatedAt, m.LeftAt, m.Version);
}

/// <summary>
/// Serving members and cadres (在职党员干部): who they are, where they work and live, what they can
/// do and when. Moving home, changing unit and leaving are explicit commands.
/// </summary>
public static class MembersApi
{
    private const int MaxTags = 20;
    private const int MaxTagLength = 20;

    public static RouteGroupBuilder MapMembersApi(this RouteGroupBuilder county)
    {
        var members = county.MapGroup("/members").WithTags("Members");
        members.MapPost("/", Create).WithName("registry.CreateMember").WithSummary("Register a member")
            .WithRequestExample(new
            {
                code = "M00001", name = "张伟", phone = "13812345678", unitId = "01a206e3-9237-7525-a94d-620df108d365",
                communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", gridId = "01a206e3-947e-72b0-8261-1174d9e4231d",
                skills = new[] { "水电维修", "电脑维修" }, intentions = new[] { "助老服务" },
                availability = new[] { new { day = "saturday", from = "09:00", to = "12:00" } }, demonstrationHousehold = false, gridRole = "reporting",
            });
        members.MapGet("/", List).WithName("registry.ListMembers").WithSummary("List members (phones masked), filtered by place, unit, skill, status or report")
            .WithDescription("reportStatus: none (no live member report), pending or confirmed.");
        members.MapGet("/without-post", WithoutPost).WithName("registry.ListMembersWithoutPost")
            .WithSummary("Reported members who hold no public-service post")
            .WithDescription("Members with a confirmed member report and no open post claim: each reported member should hold at least one post.");
        members.MapGet("/{id:guid}", Get).WithName("registry.GetMember").WithSummary("Get one member (phone in full)");
        members.MapPut("/{id:guid}", Update).WithName("registry.UpdateMember").WithSummary("Change a member's details (If-Match)");
        members.MapPost("/{id:guid}/move", Move).WithName("registry.MoveMember").WithSummary("Record that a member moved home")
            .WithRequestExample(new { communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", gridId = "01a206e3-947e-72b0-8261-1174d9e4231d" });
        members.MapPost("/{id:guid}/change-unit", ChangeUnit).WithName("registry.ChangeMemberUnit").WithSummary("Record that a member moved to another unit");
        members.MapPost("/{id:guid}/leave", Leave).WithName("registry.MemberLeaves").WithSummary("Record that a member left the county's roll")
            .WithDescription("Releases the member's posts and team memberships in the same change.");
        return county;
    }

    private static async Task<Results<Created<MemberResponse>, ValidationProblem, ProblemHttpResult>> Create(
        MemberRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        AreasApi.ValidateCode(errors, request.Code);
        ValidateDetails(errors, request.Name, request.Phone, request.Skills, request.Intentions, request.Availability);
        if (request.UnitId is null)
        {
            errors.Add("unitId", "'unitId' is required: the unit organisation the member works in.");
        }
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required: the community or village the member lives in.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await CheckUnitAsync(db, request.UnitId!.Value, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        if (await CheckHomeAsync(db, request.CommunityId!.Value, request.GridId, cancellationToken) is { } homeProblem)
        {
            return homeProblem;
        }
        if (await CheckGridRoleAsync(db, request.GridId, request.GridRole, memberId: null, cancellationToken) is { } roleProblem)
        {
            return roleProblem;
        }
        var now = clock.GetUtcNow();
        var member = new Member
        {
            Id = Guid.CreateVersion7(now), Code = request.Code!.Trim(), Name = "", Phone = "", UnitId = request.UnitId,
            CommunityId = request.CommunityId!.Value, GridId = request.GridId, Status = MemberStatus.Active, CreatedAt = now,
        };
        ApplyDetails(member, request.Name, request.Phone, request.Skills, request.Intentions, request.Availability, request.DemonstrationHousehold, request.GridRole);
        db.Members.Add(member);
        db.Advance(member);
        db.Outbox.Publish(RegistryEvents.Changed(member, RegistryChange.Created, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_members_code"))
        {
            return RegistryProblems.Conflict("member_code_taken", $"Another member of this county has code '{member.Code}'.", "code");
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, GridRoleIndex))
        {
            return GridRoleTaken(member.GridRole!.Value);
        }
        ETags.Tag(http, member);
        return TypedResults.Created(http.Request.Path.Add($"/{member.Id}").Value, MemberResponse.From(member));
    }

    private static async Task<Results<Ok<Page<MemberResponse>>, ValidationProblem>> List(
        Guid? communityId, Guid? gridId, Guid? unitId, string? skill, string? status, string? gridRole, bool? demonstrationHousehold,
        string? q, string? reportStatus, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var statusFilter = errors.OptionalEnum<MemberStatus>("status", status) ?? MemberStatus.Active;
        var roleFilter = errors.OptionalEnum<GridRole>("gridRole", gridRole);
        errors.OptionalText("q", q, maxLength: 50);
        errors.OptionalText("skill", skill, maxLength: MaxTagLength);
        if (reportStatus is not (null or "none" or "pending" or "confirmed"))
        {
            errors.Add("reportStatus", "'reportStatus' must be one of none, pending, confirmed.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.Members.AsNoTracking().Where(m => m.Status == statusFilter);
        if (communityId is { } community)
        {
            query = query.Where(m => m.CommunityId == community);
        }
        if (gridId is { } grid)
        {
            query = query.Where(m => m.GridId == grid);
        }
        if (unitId is { } unit)
        {
            query = query.Where(m => m.UnitId == unit);
        }
        if (!string.IsNullOrWhiteSpace(skill))
        {
            var wanted = skill.Trim();
            query = query.Where(m => m.Skills.Contains(wanted));
        }
        if (roleFilter is { } role)
        {
            query = query.Where(m => m.GridRole == role);
        }
        if (demonstrationHousehold is { } demonstration)
        {
            query = query.Where(m => m.DemonstrationHousehold == demonstration);
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var text = q.Trim();
            query = query.Where(m => m.Name.Contains(text) || m.Code.Contains(text));
        }
        var liveReports = db.Reports.Where(r => r.Kind == ReportKind.Member && r.Status != ReportStatus.Withdrawn);
        query = reportStatus switch
        {
            "none" => query.Where(m => !liveReports.Any(r => r.MemberId == m.Id)),
            "pending" => query.Where(m => liveReports.Any(r => r.MemberId == m.Id && r.Status == ReportStatus.Pending)),
            "confirmed" => query.Where(m => liveReports.Any(r => r.MemberId == m.Id && r.Status == ReportStatus.Confirmed)),
            _ => query,
        };
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(m => m.Code).ThenBy(m => m.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<MemberResponse>(items.Select(m => MemberResponse.From(m, maskPhone: true)).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<Page<MemberResponse>>, ValidationProblem>> WithoutPost(
        Guid? communityId, Guid? unitId, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.Members.AsNoTracking()
            .Where(m => m.Status == MemberStatus.Active)
            .Where(m => db.Reports.Any(r => r.MemberId == m.Id && r.Kind == ReportKind.Member && r.Status == ReportStatus.Confirmed))
            .Where(m => !db.PostClaims.Any(c => c.MemberId == m.Id && c.ReleasedAt == null));
        if (communityId is { } community)
        {
            query = query.Where(m => m.CommunityId == community);
        }
        if (unitId is { } unit)
        {
            query = query.Where(m => m.UnitId == unit);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(m => m.Code).ThenBy(m => m.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<MemberResponse>(items.Select(m => MemberResponse.From(m, maskPhone: true)).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> Get(Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (member is null)
        {
            return RegistryProblems.NotFound("member", id);
        }
        ETags.Tag(http, member);
        return TypedResults.Ok(MemberResponse.From(member));
    }

    private static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateMemberRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ValidateDetails(errors, request.Name, request.Phone, request.Skills, request.Intentions, request.Availability);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (member, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (request.GridRole != member!.GridRole && await CheckGridRoleAsync(db, member.GridId, request.GridRole, member.Id, cancellationToken) is { } roleProblem)
        {
            return roleProblem;
        }
        ApplyDetails(member, request.Name, request.Phone, request.Skills, request.Intentions, request.Availability, request.DemonstrationHousehold, request.GridRole);
        return await SaveAsync(db, http, member, RegistryChange.Updated, clock, cancellationToken);
    }

    private static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult>> Move(
        Guid id, MoveMemberRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.CommunityId is null)
        {
            return new ValidationErrors().Add("communityId", "'communityId' is required.").ToProblem();
        }
        var (member, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (await CheckHomeAsync(db, request.CommunityId.Value, request.GridId, cancellationToken) is { } homeProblem)
        {
            return homeProblem;
        }
        if (member!.GridId != request.GridId && await CheckGridRoleAsync(db, request.GridId, member.GridRole, member.Id, cancellationToken) is { } roleProblem)
        {
            return roleProblem;
        }
        member.CommunityId = request.CommunityId.Value;
        member.GridId = request.GridId;
        return await SaveAsync(db, http, member, RegistryChange.Moved, clock, cancellationToken);
    }

    private static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult>> ChangeUnit(
        Guid id, ChangeUnitRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.UnitId is null)
        {
            return new ValidationErrors().Add("unitId", "'unitId' is required.").ToProblem();
        }
        var (member, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (await CheckUnitAsync(db, request.UnitId.Value, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        member!.UnitId = request.UnitId;
        return await SaveAsync(db, http, member, RegistryChange.Updated, clock, cancellationToken);
    }

    private static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult>> Leave(
        Guid id, LeaveRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.OptionalText("reason", request.Reason, maxLength: 200);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (member, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var now = clock.GetUtcNow();
        member!.Status = MemberStatus.Left;
        member.LeftAt = now;
        member.GridRole = null;

        // Their posts and teams are released with them, and each changed post and team is announced.
        var claims = await db.PostClaims.Where(c => c.MemberId == id && c.ReleasedAt == null).ToListAsync(cancellationToken);
        foreach (var claim in claims)
        {
            claim.ReleasedAt = now;
        }
        var memberships = await db.TeamMemberships.Where(t => t.MemberId == id).ToListAsync(cancellationToken);
        db.TeamMemberships.RemoveRange(memberships);
        foreach (var postId in claims.Select(c => c.PostId).Distinct())
        {
            await PublicServicePostsApi.PublishAsync(db, postId, RegistryChange.Updated, now, cancellationToken);
        }
        foreach (var teamId in memberships.Select(m => m.TeamId).Distinct())
        {
            await VolunteerTeamsApi.PublishAsync(db, teamId, RegistryChange.Updated, now, cancellationToken);
        }
        // So do their offices in organisations (a party organisation's secretary, an alliance's
        // members of its committee): an officer who left the roll no longer serves.
        var offices = await db.OrganisationOfficers.Where(o => o.MemberId == id).ToListAsync(cancellationToken);
        db.OrganisationOfficers.RemoveRange(offices);
        foreach (var organisationId in offices.Select(o => o.OrganisationId).Distinct())
        {
            await OrganisationsApi.PublishAsync(db, organisationId, RegistryChange.Updated, now, cancellationToken);
        }
        return await SaveAsync(db, http, member, RegistryChange.Left, clock, cancellationToken);
    }

    private static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        RegistryDbContext db, HttpContext http, Member member, string change, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (db.Entry(member).State == EntityState.Modified)
        {
            db.Advance(member);
            db.Outbox.Publish(RegistryEvents.Changed(member, change, clock.GetUtcNow()));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, GridRoleIndex))
            {
                // Another member took the role between the check and the save.
                return GridRoleTaken(member.GridRole!.Value);
            }
        }
        ETags.Tag(http, member);
        return TypedResults.Ok(MemberResponse.From(member));
    }

    private static async Task<(Member?, ProblemHttpResult?)> FindActiveAsync(RegistryDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var member = await db.Members.FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (member is null)
        {
            return (null, RegistryProblems.NotFound("member", id));
        }
        if (ETags.PreconditionFailed(http, member) is { } stale)
        {
            return (null, stale);
        }
        return member.Status == MemberStatus.Active
            ? (member, null)
            : (null, RegistryProblems.Conflict("member_left", "The member has left the county's roll and can no longer be changed."));
    }

    internal static void ValidateDetails(
        ValidationErrors errors, string? name, string? phone, IReadOnlyList<string>? skills, IReadOnlyList<string>? intentions,
        IReadOnlyList<AvailabilityWindow>? availability)
    {
        errors.RequireText("name", name, maxLength: 50);
        errors.RequirePhone("phone", phone);
        ValidateTags(errors, "skills", skills);
        ValidateTags(errors, "intentions", intentions);
        if (availability is not null)
        {
            if (availability.Count > 28)
            {
                errors.Add("availability", "'availability' may hold at most 28 windows.");
            }
            for (var i = 0; i < availability.Count; i++)
            {
                var window = availability[i];
                if (window is null || window.From >= window.To || !Enum.IsDefined(window.Day))
                {
                    errors.Add($"availability[{i}]", $"'availability[{i}]' must name a day and a window whose 'from' is before its 'to'.");
                }
            }
        }
    }

    private static void ValidateTags(ValidationErrors errors, string field, IReadOnlyList<string>? tags)
    {
        if (tags is null)
        {
            return;
        }
        // Duplicates are dropped when saved, so only distinct entries count towards the limit.
        if (tags.Where(t => t is not null).Select(t => t.Trim()).Distinct(StringComparer.Ordinal).Count() > MaxTags)
        {
            errors.Add(field, $"'{field}' may hold at most {MaxTags} different entries.");
        }
        if (tags.Any(t => string.IsNullOrWhiteSpace(t) || t.Trim().Length > MaxTagLength))
        {
            errors.Add(field, $"'{field}' entries must be 1 to {MaxTagLength} characters.");
        }
    }

    private static void ApplyDetails(
        Member member, string? name, string? phone, IReadOnlyList<string>? skills, IReadOnlyList<string>? intentions,
        IReadOnlyList<AvailabilityWindow>? availability, bool? demonstrationHousehold, GridRole? gridRole)
    {
        member.Name = name!.Trim();
        member.Phone = phone!.Trim();
        member.Skills = Tags(skills);
        member.Intentions = Tags(intentions);
        member.Availability = (availability ?? []).OrderBy(w => w.Day).ThenBy(w => w.From).ToList();
        member.DemonstrationHousehold = demonstrationHousehold ?? false;
        member.GridRole = gridRole;
    }

    /// <summary>Trimmed, de-duplicated, in the order given.</summary>
    internal static List<string> Tags(IEnumerable<string>? tags) =>
        (tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    internal static async Task<ProblemHttpResult?> CheckUnitAsync(RegistryDbContext db, Guid unitId, CancellationToken cancellationToken)
    {
        var unit = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == unitId, cancellationToken);
        if (unit is null)
        {
            return RegistryProblems.MissingReference("unitId", "organisation", unitId);
        }
        return unit.Kind.IsUnit() && unit.RetiredAt is null
            ? null
            : RegistryProblems.InvalidReference("unitId", "must be an active unit organisation (government_unit, enterprise or institution)");
    }

    /// <summary>The community must be an active community/village; the grid, when given, an active grid/compound inside it.</summary>
    internal static async Task<ProblemHttpResult?> CheckHomeAsync(RegistryDbContext db, Guid communityId, Guid? gridId, CancellationToken cancellationToken)
    {
        var community = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == communityId, cancellationToken);
        if (community is null)
        {
            return RegistryProblems.MissingReference("communityId", "area", communityId);
        }
        if (!community.Level.IsCommunity() || community.RetiredAt is not null)
        {
            return RegistryProblems.InvalidReference("communityId", "must be an active community or village");
        }
        if (gridId is null)
        {
            return null;
        }
        var grid = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == gridId, cancellationToken);
        if (grid is null)
        {
            return RegistryProblems.MissingReference("gridId", "area", gridId.Value);
        }
        if (!grid.Level.IsGrid() || grid.RetiredAt is not null)
        {
            return RegistryProblems.InvalidReference("gridId", "must be an active grid or compound");
        }
        var parent = grid.Level == AreaLevel.Compound
            ? await db.Areas.AsNoTracking().Where(a => a.Id == grid.ParentId).Select(a => a.ParentId).FirstOrDefaultAsync(cancellationToken)
            : grid.ParentId;
        return parent == communityId ? null : RegistryProblems.InvalidReference("gridId", "must lie inside the member's community");
    }

    /// <summary>"1+1": a grid has at most one active member in each grid role.</summary>
    private static async Task<ProblemHttpResult?> CheckGridRoleAsync(RegistryDbContext db, Guid? gridId, GridRole? role, Guid? memberId, CancellationToken cancellationToken)
    {
        if (role is null)
        {
            return null;
        }
        if (gridId is null)
        {
            return RegistryProblems.InvalidReference("gridRole", "needs the member's grid: a grid role belongs to a grid");
        }
        var taken = await db.Members.AnyAsync(
            m => m.GridId == gridId && m.GridRole == role && m.Status == MemberStatus.Active && m.Id != memberId, cancellationToken);
        return taken ? GridRoleTaken(role.Value) : null;
    }

    private const string GridRoleIndex = "ux_members_grid_role";

    private static ProblemHttpResult GridRoleTaken(GridRole role) =>
        RegistryProblems.Conflict("grid_role_taken", $"The grid already has its {Wire.Of(role)} member (\"1+1\": one of each per grid).", "gridRole");
}
