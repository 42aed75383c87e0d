using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Registry.Teams;

/// <param name="Name">At most 100 characters; unique in the community.</param>
/// <param name="Type">service (义工型), assistance (帮扶型), consulting (咨询型) or emergency (应急型).</param>
/// <param name="CommunityId">The community or village the team serves.</param>
public sealed record CreateTeamRequest([Required] string? Name, [Required] VolunteerTeamType? Type, [Required] Guid? CommunityId);

public sealed record UpdateTeamRequest([Required] string? Name, [Required] VolunteerTeamType? Type);

public sealed record TeamMemberRequest([Required] Guid? MemberId);

public sealed record TeamMemberResponse(Guid MemberId, string Name, DateTimeOffset JoinedAt);

public sealed record VolunteerTeamResponse(
    Guid Id, string Name, VolunteerTeamType Type, Guid CommunityId, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, int Version,
    IReadOnlyList<TeamMemberResponse>? Members = null);

/// <summary>Volunteer teams (志愿服务队) of a community and who serves in them.</summary>
public static class VolunteerTeamsApi
{
    public static RouteGroupBuilder MapVolunteerTeamsApi(this RouteGroupBuilder county)
    {
        var teams = county.MapGroup("/volunteer-teams").WithTags("Volunteer teams");
        teams.MapPost("/", Create).WithName("registry.CreateVolunteerTeam").WithSummary("Form a volunteer team in a community")
            .WithRequestExample(new { name = "东门社区应急志愿服务队", type = "emergency", communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983" });
        teams.MapGet("/", List).WithName("registry.ListVolunteerTeams").WithSummary("List teams by community or type");
        teams.MapGet("/{id:guid}", Get).WithName("registry.GetVolunteerTeam").WithSummary("Get a team with its members");
        teams.MapPut("/{id:guid}", Update).WithName("registry.UpdateVolunteerTeam").WithSummary("Rename a team or change its type (If-Match)");
        teams.MapPost("/{id:guid}/retire", Retire).WithName("registry.RetireVolunteerTeam").WithSummary("Disband a team");
        teams.MapPost("/{id:guid}/members", Join).WithName("registry.JoinVolunteerTeam").WithSummary("A member joins the team");
        teams.MapDelete("/{id:guid}/members/{memberId:guid}", LeaveTeam).WithName("registry.LeaveVolunteerTeam").WithSummary("A member leaves the team");
        return county;
    }

    private static async Task<Results<Created<VolunteerTeamResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateTeamRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("name", request.Name, maxLength: 100);
        if (request.Type is null)
        {
            errors.Add("type", $"'type' is required: one of {Wire.Choices<VolunteerTeamType>()}.");
        }
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await CheckCommunityAsync(db, request.CommunityId!.Value, cancellationToken) is { } communityProblem)
        {
            return communityProblem;
        }
        var now = clock.GetUtcNow();
        var team = new VolunteerTeam { Id = Guid.CreateVersion7(now), Name = request.Name!.Trim(), Type = request.Type!.Value, CommunityId = request.CommunityId.Value, CreatedAt = now };
        db.VolunteerTeams.Add(team);
        db.Advance(team);
        db.Outbox.Publish(RegistryEvents.Changed(team, RegistryChange.Created, now, []));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_volunteer_teams_name"))
        {
            return RegistryProblems.Conflict("volunteer_team_name_taken", $"The community already has a team named '{team.Name}'.", "name");
        }
        ETags.Tag(http, team);
        return TypedResults.Created(http.Request.Path.Add($"/{team.Id}").Value, await DetailAsync(db, team, cancellationToken));
    }

    private static async Task<Results<Ok<Page<VolunteerTeamResponse>>, ValidationProblem>> List(
        Guid? communityId, string? type, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var typeFilter = errors.OptionalEnum<VolunteerTeamType>("type", type);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.VolunteerTeams.AsNoTracking().Where(t => t.RetiredAt == null);
        if (communityId is { } community)
        {
            query = query.Where(t => t.CommunityId == community);
        }
        if (typeFilter is { } wanted)
        {
            query = query.Where(t => t.Type == wanted);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(t => t.Name).ThenBy(t => t.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<VolunteerTeamResponse>(
            items.Select(t => new VolunteerTeamResponse(t.Id, t.Name, t.Type, t.CommunityId, t.CreatedAt, t.RetiredAt, t.Version)).ToList(),
            paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<VolunteerTeamResponse>, ProblemHttpResult>> Get(Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var team = await db.VolunteerTeams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return RegistryProblems.NotFound("volunteer_team", id);
        }
        ETags.Tag(http, team);
        return TypedResults.Ok(await DetailAsync(db, team, cancellationToken));
    }

    private static async Task<Results<Ok<VolunteerTeamResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateTeamRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("name", request.Name, maxLength: 100);
        if (request.Type is null)
        {
            errors.Add("type", $"'type' is required: one of {Wire.Choices<VolunteerTeamType>()}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (team, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        team!.Name = request.Name!.Trim();
        team.Type = request.Type!.Value;
        if (db.Entry(team).State == EntityState.Modified)
        {
            await PublishAsync(db, team.Id, RegistryChange.Updated, clock.GetUtcNow(), cancellationToken);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_volunteer_teams_name"))
            {
                return RegistryProblems.Conflict("volunteer_team_name_taken", $"The community already has a team named '{team.Name}'.", "name");
            }
        }
        ETags.Tag(http, team);
        return TypedResults.Ok(await DetailAsync(db, team, cancellationToken));
    }

    private static async Task<Results<Ok<VolunteerTeamResponse>, ProblemHttpResult>> Retire(
        Guid id, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (team, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var now = clock.GetUtcNow();
        team!.RetiredAt = now;
        db.TeamMemberships.RemoveRange(await db.TeamMemberships.Where(m => m.TeamId == id).ToListAsync(cancellationToken));
        await PublishAsync(db, id, RegistryChange.Retired, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, team);
        return TypedResults.Ok(await DetailAsync(db, team, cancellationToken));
    }

    private static async Task<Results<Created<VolunteerTeamResponse>, ValidationProblem, ProblemHttpResult>> Join(
        Guid id, TeamMemberRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.MemberId is null)
        {
            return new ValidationErrors().Add("memberId", "'memberId' is required.").ToProblem();
        }
        var (team, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (await CheckActiveMemberAsync(db, request.MemberId.Value, cancellationToken) is { } memberProblem)
        {
            return memberProblem;
        }
        if (await db.TeamMemberships.AnyAsync(m => m.TeamId == id && m.MemberId == request.MemberId, cancellationToken))
        {
            return RegistryProblems.Conflict("team_member_exists", "The member already serves in this team.", "memberId");
        }
        var now = clock.GetUtcNow();
        db.TeamMemberships.Add(new TeamMembership { TeamId = id, MemberId = request.MemberId.Value, JoinedAt = now });
        await PublishAsync(db, id, RegistryChange.Updated, now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            return RegistryProblems.Conflict("team_member_exists", "The member already serves in this team.", "memberId");
        }
        ETags.Tag(http, team!);
        return TypedResults.Created(RegistryApi.ParentLocation(http), await DetailAsync(db, team!, cancellationToken));
    }

    private static async Task<Results<Ok<VolunteerTeamResponse>, ProblemHttpResult>> LeaveTeam(
        Guid id, Guid memberId, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (team, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var membership = await db.TeamMemberships.FirstOrDefaultAsync(m => m.TeamId == id && m.MemberId == memberId, cancellationToken);
        if (membership is null)
        {
            return RegistryProblems.NotFound("team_member", memberId);
        }
        db.TeamMemberships.Remove(membership);
        await PublishAsync(db, id, RegistryChange.Updated, clock.GetUtcNow(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, team!);
        return TypedResults.Ok(await DetailAsync(db, team!, cancellationToken));
    }

    /// <summary>Bumps the team's version and announces it with its members as they will be once saved.</summary>
    internal static async Task PublishAsync(RegistryDbContext db, Guid teamId, string change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var team = await db.VolunteerTeams.FirstAsync(t => t.Id == teamId, cancellationToken);
        db.Advance(team);
        var members = await db.AfterSaveAsync<TeamMembership>(m => m.TeamId == teamId, cancellationToken);
        db.Outbox.Publish(RegistryEvents.Changed(team, change, now, members.Select(m => m.MemberId)));
    }

    private static async Task<VolunteerTeamResponse> DetailAsync(RegistryDbContext db, VolunteerTeam team, CancellationToken cancellationToken)
    {
        var members = await (
            from membership in db.TeamMemberships.AsNoTracking()
            join member in db.Members.AsNoTracking() on membership.MemberId equals member.Id
            where membership.TeamId == team.Id
            orderby member.Code
            select new TeamMemberResponse(member.Id, member.Name, membership.JoinedAt)).ToListAsync(cancellationToken);
        return new VolunteerTeamResponse(team.Id, team.Name, team.Type, team.CommunityId, team.CreatedAt, team.RetiredAt, team.Version, members);
    }

    private static async Task<(VolunteerTeam?, ProblemHttpResult?)> FindActiveAsync(RegistryDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var team = await db.VolunteerTeams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return (null, RegistryProblems.NotFound("volunteer_team", id));
        }
        if (ETags.PreconditionFailed(http, team) is { } stale)
        {
            return (null, stale);
        }
        return team.RetiredAt is null ? (team, null) : (null, RegistryProblems.Conflict("volunteer_team_retired", "The team was disbanded."));
    }

    internal static async Task<ProblemHttpResult?> CheckCommunityAsync(RegistryDbContext db, Guid communityId, CancellationToken cancellationToken)
    {
        var community = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == communityId, cancellationToken);
        if (community is null)
        {
            return RegistryProblems.MissingReference("communityId", "area", communityId);
        }
        return community.Level.IsCommunity() && community.RetiredAt is null
            ? null
            : RegistryProblems.InvalidReference("communityId", "must be an active community or village");
    }

    internal static async Task<ProblemHttpResult?> CheckActiveMemberAsync(RegistryDbContext db, Guid memberId, CancellationToken cancellationToken)
    {
        var status = await db.Members.AsNoTracking().Where(m => m.Id == memberId).Select(m => (MemberStatus?)m.Status).FirstOrDefaultAsync(cancellationToken);
        return status switch
        {
            null => RegistryProblems.MissingReference("memberId", "member", memberId),
            MemberStatus.Active => null,
            _ => RegistryProblems.InvalidReference("memberId", "names a member who has left"),
        };
    }
}
