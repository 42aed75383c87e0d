using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Teams;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Registry.Posts;

/// <param name="Name">e.g. 政策宣传岗 (at most 100; unique in the community).</param>
/// <param name="Description">At most 500 characters.</param>
/// <param name="CommunityId">The community or village the post belongs to.</param>
/// <param name="Capacity">How many members may hold it at once (1–1000); none for no limit.</param>
public sealed record CreatePostRequest([Required] string? Name, string? Description, [Required] Guid? CommunityId, int? Capacity);

public sealed record UpdatePostRequest([Required] string? Name, string? Description, int? Capacity);

public sealed record ClaimPostRequest([Required] Guid? MemberId);

public sealed record PostHolderResponse(Guid ClaimId, Guid MemberId, string Name, DateTimeOffset ClaimedAt);

public sealed record PublicServicePostResponse(
    Guid Id, string Name, string? Description, Guid CommunityId, int? Capacity, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, int Version,
    IReadOnlyList<PostHolderResponse>? Holders = null);

/// <summary>Public-service posts (公益服务岗) of a community; each reported member should hold at least one (认岗).</summary>
public static class PublicServicePostsApi
{
    public static RouteGroupBuilder MapPublicServicePostsApi(this RouteGroupBuilder county)
    {
        var posts = county.MapGroup("/public-service-posts").WithTags("Public-service posts");
        posts.MapPost("/", Create).WithName("registry.CreatePublicServicePost").WithSummary("Open a public-service post in a community")
            .WithRequestExample(new { name = "政策宣传岗", description = "每月集中报到周到社区宣讲惠民政策", communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", capacity = 5 });
        posts.MapGet("/", List).WithName("registry.ListPublicServicePosts").WithSummary("List posts by community");
        posts.MapGet("/{id:guid}", Get).WithName("registry.GetPublicServicePost").WithSummary("Get a post with its current holders");
        posts.MapPut("/{id:guid}", Update).WithName("registry.UpdatePublicServicePost").WithSummary("Change a post (If-Match)");
        posts.MapPost("/{id:guid}/retire", Retire).WithName("registry.RetirePublicServicePost").WithSummary("Close a post, releasing its holders");
        posts.MapPost("/{id:guid}/claims", Claim).WithName("registry.ClaimPublicServicePost").WithSummary("A member takes the post (认岗)")
            .WithDescription("Refused when the post is full (409 post_full) or the member already holds it (409 post_already_held). Two claims racing for the last place never both win.");
        posts.MapPost("/{id:guid}/claims/{claimId:guid}/release", Release).WithName("registry.ReleasePublicServicePost").WithSummary("A member gives the post up");
        county.MapGet("/members/{memberId:guid}/posts", MemberPosts).WithTags("Public-service posts")
            .WithName("registry.ListMemberPosts").WithSummary("The posts a member holds now");
        return county;
    }

    private static async Task<Results<Created<PublicServicePostResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreatePostRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = Validate(request.Name, request.Description, request.Capacity);
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await VolunteerTeamsApi.CheckCommunityAsync(db, request.CommunityId!.Value, cancellationToken) is { } communityProblem)
        {
            return communityProblem;
        }
        var now = clock.GetUtcNow();
        var post = new PublicServicePost
        {
            Id = Guid.CreateVersion7(now), Name = request.Name!.Trim(), Description = request.Description?.Trim(), CommunityId = request.CommunityId.Value,
            Capacity = request.Capacity, CreatedAt = now,
        };
        db.PublicServicePosts.Add(post);
        db.Advance(post);
        db.Outbox.Publish(RegistryEvents.Changed(post, RegistryChange.Created, now, []));
        if (await SaveAsync(db, post, cancellationToken) is { } conflict)
        {
            return conflict;
        }
        ETags.Tag(http, post);
        return TypedResults.Created(http.Request.Path.Add($"/{post.Id}").Value, await DetailAsync(db, post, cancellationToken));
    }

    private static async Task<Results<Ok<Page<PublicServicePostResponse>>, ValidationProblem>> List(
        Guid? communityId, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.PublicServicePosts.AsNoTracking().Where(p => p.RetiredAt == null);
        if (communityId is { } community)
        {
            query = query.Where(p => p.CommunityId == community);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(p => p.Name).ThenBy(p => p.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<PublicServicePostResponse>(
            items.Select(p => new PublicServicePostResponse(p.Id, p.Name, p.Description, p.CommunityId, p.Capacity, p.CreatedAt, p.RetiredAt, p.Version)).ToList(),
            paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<PublicServicePostResponse>, ProblemHttpResult>> Get(Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var post = await db.PublicServicePosts.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null)
        {
            return RegistryProblems.NotFound("public_service_post", id);
        }
        ETags.Tag(http, post);
        return TypedResults.Ok(await DetailAsync(db, post, cancellationToken));
    }

    private static async Task<Results<Ok<PublicServicePostResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdatePostRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = Validate(request.Name, request.Description, request.Capacity);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (post, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var holders = await db.PostClaims.CountAsync(c => c.PostId == id && c.ReleasedAt == null, cancellationToken);
        if (request.Capacity is { } capacity && capacity < holders)
        {
            return RegistryProblems.Conflict("post_capacity_below_holders", $"The post has {holders} holders; release some before lowering its capacity to {capacity}.", "capacity");
        }
        post!.Name = request.Name!.Trim();
        post.Description = request.Description?.Trim();
        post.Capacity = request.Capacity;
        if (db.Entry(post).State == EntityState.Modified)
        {
            await PublishAsync(db, id, RegistryChange.Updated, clock.GetUtcNow(), cancellationToken);
            if (await SaveAsync(db, post, cancellationToken) is { } conflict)
            {
                return conflict;
            }
        }
        ETags.Tag(http, post);
        return TypedResults.Ok(await DetailAsync(db, post, cancellationToken));
    }

    private static async Task<Results<Ok<PublicServicePostResponse>, ProblemHttpResult>> Retire(
        Guid id, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (post, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var now = clock.GetUtcNow();
        post!.RetiredAt = now;
        foreach (var claim in await db.PostClaims.Where(c => c.PostId == id && c.ReleasedAt == null).ToListAsync(cancellationToken))
        {
            claim.ReleasedAt = now;
        }
        await PublishAsync(db, id, RegistryChange.Retired, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, post);
        return TypedResults.Ok(await DetailAsync(db, post, cancellationToken));
    }

    private static async Task<Results<Created<PublicServicePostResponse>, ValidationProblem, ProblemHttpResult>> Claim(
        Guid id, ClaimPostRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.MemberId is null)
        {
            return new ValidationErrors().Add("memberId", "'memberId' is required.").ToProblem();
        }
        var (post, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (await VolunteerTeamsApi.CheckActiveMemberAsync(db, request.MemberId.Value, cancellationToken) is { } memberProblem)
        {
            return memberProblem;
        }
        var holders = await db.PostClaims.Where(c => c.PostId == id && c.ReleasedAt == null).Select(c => c.MemberId).ToListAsync(cancellationToken);
        if (holders.Contains(request.MemberId.Value))
        {
            return RegistryProblems.Conflict("post_already_held", "The member already holds this post.", "memberId");
        }
        if (post!.Capacity is { } capacity && holders.Count >= capacity)
        {
            return RegistryProblems.Conflict("post_full", $"All {capacity} places of this post are taken.");
        }
        var now = clock.GetUtcNow();
        db.PostClaims.Add(new PostClaim { Id = Guid.CreateVersion7(now), PostId = id, MemberId = request.MemberId.Value, ClaimedAt = now });
        // The post's version guards the count: of two claims racing for the last place, the second save fails.
        await PublishAsync(db, id, RegistryChange.Updated, now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return RegistryProblems.Conflict(ServiceDefaults.Http.ProblemCodes.ConcurrencyConflict, "The post changed meanwhile (another claim); try again.");
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_post_claims_open"))
        {
            return RegistryProblems.Conflict("post_already_held", "The member already holds this post.", "memberId");
        }
        ETags.Tag(http, post);
        return TypedResults.Created(RegistryApi.ParentLocation(http), await DetailAsync(db, post, cancellationToken));
    }

    private static async Task<Results<Ok<PublicServicePostResponse>, ProblemHttpResult>> Release(
        Guid id, Guid claimId, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (post, problem) = await FindActiveAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var claim = await db.PostClaims.FirstOrDefaultAsync(c => c.Id == claimId && c.PostId == id, cancellationToken);
        if (claim is null)
        {
            return RegistryProblems.NotFound("post_claim", claimId);
        }
        if (claim.ReleasedAt is null)
        {
            var now = clock.GetUtcNow();
            claim.ReleasedAt = now;
            await PublishAsync(db, id, RegistryChange.Updated, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, post!);
        return TypedResults.Ok(await DetailAsync(db, post!, cancellationToken));
    }

    private static async Task<Results<Ok<IReadOnlyList<PublicServicePostResponse>>, ProblemHttpResult>> MemberPosts(
        Guid memberId, RegistryDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Members.AnyAsync(m => m.Id == memberId, cancellationToken))
        {
            return RegistryProblems.NotFound("member", memberId);
        }
        var posts = await db.PublicServicePosts.AsNoTracking()
            .Where(p => db.PostClaims.Any(c => c.PostId == p.Id && c.MemberId == memberId && c.ReleasedAt == null))
            .OrderBy(p => p.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<PublicServicePostResponse>>(
            posts.Select(p => new PublicServicePostResponse(p.Id, p.Name, p.Description, p.CommunityId, p.Capacity, p.CreatedAt, p.RetiredAt, p.Version)).ToList());
    }

    /// <summary>Bumps the post's version and announces it with its holders as they will be once saved.</summary>
    internal static async Task PublishAsync(RegistryDbContext db, Guid postId, string change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var post = await db.PublicServicePosts.FirstAsync(p => p.Id == postId, cancellationToken);
        db.Advance(post);
        var holders = await db.AfterSaveAsync<PostClaim>(c => c.PostId == postId && c.ReleasedAt == null, cancellationToken);
        db.Outbox.Publish(RegistryEvents.Changed(post, change, now, holders.Select(c => c.MemberId).Distinct()));
    }

    private static async Task<PublicServicePostResponse> DetailAsync(RegistryDbContext db, PublicServicePost post, CancellationToken cancellationToken)
    {
        var holders = await (
            from claim in db.PostClaims.AsNoTracking()
            join member in db.Members.AsNoTracking() on claim.MemberId equals member.Id
            where claim.PostId == post.Id && claim.ReleasedAt == null
            orderby claim.ClaimedAt
            select new PostHolderResponse(claim.Id, member.Id, member.Name, claim.ClaimedAt)).ToListAsync(cancellationToken);
        return new PublicServicePostResponse(post.Id, post.Name, post.Description, post.CommunityId, post.Capacity, post.CreatedAt, post.RetiredAt, post.Version, holders);
    }

    private static ValidationErrors Validate(string? name, string? description, int? capacity)
    {
        var errors = new ValidationErrors();
        errors.RequireText("name", name, maxLength: 100);
        errors.OptionalText("description", description, maxLength: 500);
        if (capacity is < 1 or > 1000)
        {
            errors.Add("capacity", "'capacity' must be between 1 and 1000 when set.");
        }
        return errors;
    }

    private static async Task<(PublicServicePost?, ProblemHttpResult?)> FindActiveAsync(RegistryDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var post = await db.PublicServicePosts.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null)
        {
            return (null, RegistryProblems.NotFound("public_service_post", id));
        }
        if (ETags.PreconditionFailed(http, post) is { } stale)
        {
            return (null, stale);
        }
        return post.RetiredAt is null ? (post, null) : (null, RegistryProblems.Conflict("public_service_post_retired", "The post was closed."));
    }

    private static async Task<ProblemHttpResult?> SaveAsync(RegistryDbContext db, PublicServicePost post, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_public_service_posts_name"))
        {
            return RegistryProblems.Conflict("public_service_post_name_taken", $"The community already has a post named '{post.Name}'.", "name");
        }
    }
}
