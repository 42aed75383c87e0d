using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Organisations;

/// <summary>A party organisation to register.</summary>
/// <param name="Code">The county's code for it, unique in the county (letters, digits, '-', '_'; at most 32).</param>
/// <param name="Name">e.g. 县财政局机关党支部 (at most 100 characters).</param>
/// <param name="Kind">government_unit (机关), enterprise (企业), institution (事业单位), community, village, grid_branch or alliance (大党委).</param>
/// <param name="AreaId">The area it serves: a community/village for community, village and alliance organisations, a grid/compound for a grid branch; none for a unit.</param>
public sealed record CreateOrganisationRequest([Required] string? Code, [Required] string? Name, [Required] OrganisationKind? Kind, Guid? AreaId);

public sealed record UpdateOrganisationRequest([Required] string? Code, [Required] string? Name);

/// <summary>A member to appoint: secretary, deputy_secretary or committee_member.</summary>
public sealed record AppointOfficerRequest([Required] Guid? MemberId, [Required] OfficerRole? Role);

/// <summary>An organisation joining an alliance committee (大党委成员单位).</summary>
public sealed record AddAllianceMemberRequest([Required] Guid? OrganisationId);

public sealed record OfficerResponse(Guid Id, Guid MemberId, string MemberName, OfficerRole Role, DateTimeOffset Since);

public sealed record OrganisationResponse(
    Guid Id, string Code, string Name, OrganisationKind Kind, Guid? AreaId, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, int Version,
    IReadOnlyList<OfficerResponse>? Officers = null, IReadOnlyList<Guid>? MemberOrganisationIds = null)
{
    public static OrganisationResponse From(Organisation o, IReadOnlyList<OfficerResponse>? officers = null, IReadOnlyList<Guid>? members = null) =>
        new(o.Id, o.Code, o.Name, o.Kind, o.AreaId, o.CreatedAt, o.RetiredAt, o.Version, officers, members);
}

/// <summary>
/// Party organisations: units (机关/企业/事业单位) whose members report to communities, community and
/// village organisations, grid branches, and alliance committees (大党委) joining organisations of
/// different units; with their office holders.
/// </summary>
public static class OrganisationsApi
{
    public static RouteGroupBuilder MapOrganisationsApi(this RouteGroupBuilder county)
    {
        var organisations = county.MapGroup("/organisations").WithTags("Organisations");
        organisations.MapPost("/", Create).WithName("registry.CreateOrganisation").WithSummary("Register a party organisation")
            .WithRequestExample(new { code = "U014", name = "县财政局机关党支部", kind = "government_unit" });
        organisations.MapGet("/", List).WithName("registry.ListOrganisations").WithSummary("List organisations by kind, area or text");
        organisations.MapGet("/{id:guid}", Get).WithName("registry.GetOrganisation").WithSummary("Get one organisation with its officers and, for an alliance, its member organisations");
        organisations.MapPut("/{id:guid}", Update).WithName("registry.UpdateOrganisation").WithSummary("Rename an organisation or change its code (If-Match)");
        organisations.MapPost("/{id:guid}/retire", Retire).WithName("registry.RetireOrganisation").WithSummary("Retire an organisation")
            .WithDescription("Refused (409 organisation_in_use) while active members work in it, it has a current pairing, or it sits on an alliance.");
        organisations.MapPost("/{id:guid}/officers", Appoint).WithName("registry.AppointOfficer").WithSummary("Appoint a member to an office")
            .WithRequestExample(new { memberId = "01a206e3-947e-7187-b7ab-cd6ef2aa3e2c", role = "secretary" });
        organisations.MapDelete("/{id:guid}/officers/{officerId:guid}", Dismiss).WithName("registry.DismissOfficer").WithSummary("End an appointment");
        organisations.MapPost("/{id:guid}/members", AddAllianceMember).WithName("registry.AddAllianceMember").WithSummary("Add an organisation to an alliance committee");
        organisations.MapDelete("/{id:guid}/members/{organisationId:guid}", RemoveAllianceMember).WithName("registry.RemoveAllianceMember").WithSummary("Remove an organisation from an alliance committee");
        return county;
    }

    private static async Task<Results<Created<OrganisationResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateOrganisationRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        AreasApi.ValidateCode(errors, request.Code);
        errors.RequireText("name", request.Name, maxLength: 100);
        if (request.Kind is null)
        {
            errors.Add("kind", $"'kind' is required: one of {Wire.Choices<OrganisationKind>()}.");
        }
        else if (request.Kind.Value.IsUnit() && request.AreaId is not null)
        {
            errors.Add("areaId", "'areaId' must be empty for a unit organisation: units are paired with communities, not placed in them.");
        }
        else if (!request.Kind.Value.IsUnit() && request.AreaId is null)
        {
            errors.Add("areaId", $"'areaId' is required for a {Wire.Of(request.Kind.Value)} organisation.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var kind = request.Kind!.Value;
        if (request.AreaId is { } areaId && await CheckAreaAsync(db, kind, areaId, cancellationToken) is { } areaProblem)
        {
            return areaProblem;
        }

        var now = clock.GetUtcNow();
        var organisation = new Organisation
        {
            Id = Guid.CreateVersion7(now), Code = request.Code!.Trim(), Name = request.Name!.Trim(), Kind = kind, AreaId = request.AreaId, CreatedAt = now,
        };
        db.Organisations.Add(organisation);
        db.Advance(organisation);
        db.Outbox.Publish(RegistryEvents.Changed(organisation, RegistryChange.Created, now, [], []));
        if (await SaveAsync(db, organisation, cancellationToken) is { } conflict)
        {
            return conflict;
        }
        ETags.Tag(http, organisation);
        return TypedResults.Created(http.Request.Path.Add($"/{organisation.Id}").Value, OrganisationResponse.From(organisation, [], []));
    }

    private static async Task<Results<Ok<Page<OrganisationResponse>>, ValidationProblem>> List(
        string? kind, Guid? areaId, bool? unit, string? q, bool? includeRetired, int? page, int? pageSize,
        RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var kindFilter = errors.OptionalEnum<OrganisationKind>("kind", kind);
        errors.OptionalText("q", q, maxLength: 100);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.Organisations.AsNoTracking();
        if (includeRetired != true)
        {
            query = query.Where(o => o.RetiredAt == null);
        }
        if (kindFilter is { } wanted)
        {
            query = query.Where(o => o.Kind == wanted);
        }
        if (unit is { } isUnit)
        {
            query = query.Where(o => (o.Kind == OrganisationKind.GovernmentUnit || o.Kind == OrganisationKind.Enterprise || o.Kind == OrganisationKind.Institution) == isUnit);
        }
        if (areaId is { } area)
        {
            query = query.Where(o => o.AreaId == area);
        }
        if (!string.IsNullOrWhiteSpace(q))
        {
            var text = q.Trim();
            query = query.Where(o => o.Name.Contains(text) || o.Code.Contains(text));
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(o => o.Code).ThenBy(o => o.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<OrganisationResponse>(items.Select(o => OrganisationResponse.From(o)).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<OrganisationResponse>, ProblemHttpResult>> Get(
        Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var organisation = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organisation is null)
        {
            return RegistryProblems.NotFound("organisation", id);
        }
        ETags.Tag(http, organisation);
        return TypedResults.Ok(await DetailAsync(db, organisation, cancellationToken));
    }

    private static async Task<Results<Ok<OrganisationResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateOrganisationRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        AreasApi.ValidateCode(errors, request.Code);
        errors.RequireText("name", request.Name, maxLength: 100);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (organisation, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        organisation!.Code = request.Code!.Trim();
        organisation.Name = request.Name!.Trim();
        if (db.Entry(organisation).State == EntityState.Modified)
        {
            await PublishAsync(db, organisation, RegistryChange.Updated, clock.GetUtcNow(), cancellationToken);
            if (await SaveAsync(db, organisation, cancellationToken) is { } conflict)
            {
                return conflict;
            }
        }
        ETags.Tag(http, organisation);
        return TypedResults.Ok(await DetailAsync(db, organisation, cancellationToken));
    }

    private static async Task<Results<Ok<OrganisationResponse>, ProblemHttpResult>> Retire(
        Guid id, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var organisation = await db.Organisations.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organisation is null)
        {
            return RegistryProblems.NotFound("organisation", id);
        }
        if (ETags.PreconditionFailed(http, organisation) is { } stale)
        {
            return stale;
        }
        if (organisation.RetiredAt is null)
        {
            var now = clock.GetUtcNow();
            // A pairing's last day is a day of the county's calendar.
            var today = Pairings.PairingsApi.Today(tenant, clock);
            var uses = new List<string>();
            var members = await db.Members.CountAsync(m => m.UnitId == id && m.Status == MemberStatus.Active, cancellationToken);
            if (members > 0)
            {
                uses.Add($"{members} active member{(members == 1 ? "" : "s")}");
            }
            if (await db.Pairings.AnyAsync(p => p.UnitId == id && (p.EndsOn == null || p.EndsOn >= today), cancellationToken))
            {
                uses.Add("a current pairing");
            }
            if (await db.AllianceMemberships.AnyAsync(m => m.OrganisationId == id, cancellationToken))
            {
                uses.Add("an alliance committee");
            }
            if (uses.Count > 0)
            {
                return RegistryProblems.Conflict("organisation_in_use", $"The organisation still has {string.Join(", ", uses)}.");
            }
            organisation.RetiredAt = now;
            await PublishAsync(db, organisation, RegistryChange.Retired, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, organisation);
        return TypedResults.Ok(await DetailAsync(db, organisation, cancellationToken));
    }

    private static async Task<Results<Created<OrganisationResponse>, ValidationProblem, ProblemHttpResult>> Appoint(
        Guid id, AppointOfficerRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.MemberId is null)
        {
            errors.Add("memberId", "'memberId' is required.");
        }
        if (request.Role is null)
        {
            errors.Add("role", $"'role' is required: one of {Wire.Choices<OfficerRole>()}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (organisation, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == request.MemberId, cancellationToken);
        if (member is null)
        {
            return RegistryProblems.MissingReference("memberId", "member", request.MemberId!.Value);
        }
        if (member.Status != MemberStatus.Active)
        {
            return RegistryProblems.InvalidReference("memberId", "names a member who has left");
        }
        if (await db.OrganisationOfficers.AnyAsync(o => o.OrganisationId == id && o.MemberId == member.Id && o.Role == request.Role, cancellationToken))
        {
            return RegistryProblems.Conflict("officer_exists", "The member already holds this office in this organisation.", "memberId");
        }
        var now = clock.GetUtcNow();
        db.OrganisationOfficers.Add(new OrganisationOfficer
        {
            Id = Guid.CreateVersion7(now), OrganisationId = id, MemberId = member.Id, Role = request.Role!.Value, Since = now,
        });
        await PublishAsync(db, organisation!, RegistryChange.Updated, now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_organisation_officers_role"))
        {
            return RegistryProblems.Conflict("officer_exists", "The member already holds this office in this organisation.", "memberId");
        }
        ETags.Tag(http, organisation!);
        return TypedResults.Created(RegistryApi.ParentLocation(http), await DetailAsync(db, organisation!, cancellationToken));
    }

    private static async Task<Results<Ok<OrganisationResponse>, ProblemHttpResult>> Dismiss(
        Guid id, Guid officerId, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (organisation, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var officer = await db.OrganisationOfficers.FirstOrDefaultAsync(o => o.Id == officerId && o.OrganisationId == id, cancellationToken);
        if (officer is null)
        {
            return RegistryProblems.NotFound("officer", officerId);
        }
        db.OrganisationOfficers.Remove(officer);
        await PublishAsync(db, organisation!, RegistryChange.Updated, clock.GetUtcNow(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, organisation!);
        return TypedResults.Ok(await DetailAsync(db, organisation!, cancellationToken));
    }

    private static async Task<Results<Created<OrganisationResponse>, ValidationProblem, ProblemHttpResult>> AddAllianceMember(
        Guid id, AddAllianceMemberRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.OrganisationId is null)
        {
            return new ValidationErrors().Add("organisationId", "'organisationId' is required.").ToProblem();
        }
        var (alliance, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (alliance!.Kind != OrganisationKind.Alliance)
        {
            return RegistryProblems.Conflict("not_an_alliance", "Only an alliance committee (大党委) has member organisations.");
        }
        var joining = await db.Organisations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == request.OrganisationId, cancellationToken);
        if (joining is null)
        {
            return RegistryProblems.MissingReference("organisationId", "organisation", request.OrganisationId.Value);
        }
        if (joining.Id == alliance.Id || joining.Kind == OrganisationKind.Alliance || joining.RetiredAt is not null)
        {
            return RegistryProblems.InvalidReference("organisationId", "must be an active unit, community, village or grid organisation other than the alliance");
        }
        if (await db.AllianceMemberships.AnyAsync(m => m.AllianceId == id && m.OrganisationId == joining.Id, cancellationToken))
        {
            return RegistryProblems.Conflict("alliance_member_exists", "The organisation already sits on this alliance committee.", "organisationId");
        }
        var now = clock.GetUtcNow();
        db.AllianceMemberships.Add(new AllianceMembership { AllianceId = id, OrganisationId = joining.Id, JoinedAt = now });
        await PublishAsync(db, alliance, RegistryChange.Updated, now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            return RegistryProblems.Conflict("alliance_member_exists", "The organisation already sits on this alliance committee.", "organisationId");
        }
        ETags.Tag(http, alliance);
        return TypedResults.Created(RegistryApi.ParentLocation(http), await DetailAsync(db, alliance, cancellationToken));
    }

    private static async Task<Results<Ok<OrganisationResponse>, ProblemHttpResult>> RemoveAllianceMember(
        Guid id, Guid organisationId, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (alliance, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var membership = await db.AllianceMemberships.FirstOrDefaultAsync(m => m.AllianceId == id && m.OrganisationId == organisationId, cancellationToken);
        if (membership is null)
        {
            return RegistryProblems.NotFound("alliance_member", organisationId);
        }
        db.AllianceMemberships.Remove(membership);
        await PublishAsync(db, alliance!, RegistryChange.Updated, clock.GetUtcNow(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, alliance!);
        return TypedResults.Ok(await DetailAsync(db, alliance!, cancellationToken));
    }

    /// <summary>The area an organisation of this kind serves must be active and of the right level.</summary>
    private static async Task<ProblemHttpResult?> CheckAreaAsync(RegistryDbContext db, OrganisationKind kind, Guid areaId, CancellationToken cancellationToken)
    {
        var area = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == areaId, cancellationToken);
        if (area is null)
        {
            return RegistryProblems.MissingReference("areaId", "area", areaId);
        }
        if (area.RetiredAt is not null)
        {
            return RegistryProblems.InvalidReference("areaId", "names a retired area");
        }
        var fits = kind == OrganisationKind.GridBranch ? area.Level.IsGrid() : area.Level.IsCommunity();
        return fits
            ? null
            : RegistryProblems.InvalidReference("areaId",
                $"is a {area.Level.ToWire()}; a {Wire.Of(kind)} organisation serves a {(kind == OrganisationKind.GridBranch ? "grid or compound" : "community or village")}");
    }

    private static async Task<(Organisation?, ProblemHttpResult?)> FindActiveAsync(RegistryDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var organisation = await db.Organisations.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organisation is null)
        {
            return (null, RegistryProblems.NotFound("organisation", id));
        }
        if (ETags.PreconditionFailed(http, organisation) is { } stale)
        {
            return (null, stale);
        }
        return organisation.RetiredAt is null
            ? (organisation, null)
            : (null, RegistryProblems.Conflict("organisation_retired", "A retired organisation cannot be changed."));
    }

    /// <summary>Announces a change of the organisation's officers made elsewhere (a member who left).</summary>
    internal static async Task PublishAsync(RegistryDbContext db, Guid organisationId, string change, DateTimeOffset now, CancellationToken cancellationToken) =>
        await PublishAsync(db, await db.Organisations.FirstAsync(o => o.Id == organisationId, cancellationToken), change, now, cancellationToken);

    /// <summary>Bumps the organisation's version and publishes it whole, with the officers and alliance members as they will be after the save.</summary>
    private static async Task PublishAsync(RegistryDbContext db, Organisation organisation, string change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        db.Advance(organisation);
        var officers = await db.AfterSaveAsync<OrganisationOfficer>(o => o.OrganisationId == organisation.Id, cancellationToken);
        var memberships = await db.AfterSaveAsync<AllianceMembership>(m => m.AllianceId == organisation.Id, cancellationToken);
        db.Outbox.Publish(RegistryEvents.Changed(organisation, change, now, memberships.Select(m => m.OrganisationId), officers));
    }

    private static async Task<OrganisationResponse> DetailAsync(RegistryDbContext db, Organisation organisation, CancellationToken cancellationToken)
    {
        var officers = await (
            from officer in db.OrganisationOfficers.AsNoTracking()
            join member in db.Members.AsNoTracking() on officer.MemberId equals member.Id
            where officer.OrganisationId == organisation.Id
            orderby officer.Role, member.Name
            select new OfficerResponse(officer.Id, member.Id, member.Name, officer.Role, officer.Since)).ToListAsync(cancellationToken);
        var members = await db.AllianceMemberships.AsNoTracking().Where(m => m.AllianceId == organisation.Id)
            .OrderBy(m => m.OrganisationId).Select(m => m.OrganisationId).ToListAsync(cancellationToken);
        return OrganisationResponse.From(organisation, officers, members);
    }

    private static async Task<ProblemHttpResult?> SaveAsync(RegistryDbContext db, Organisation organisation, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_organisations_code"))
        {
            return RegistryProblems.Conflict("organisation_code_taken", $"Another organisation of this county has code '{organisation.Code}'.", "code");
        }
    }
}
