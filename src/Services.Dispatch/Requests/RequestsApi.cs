using System.Buffers;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts.Dispatch;
using Platform.Dispatch.Supervision;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Requests;

/// <param name="Category">One of the county's request categories (GET .../request-categories).</param>
/// <param name="Description">What the resident needs (at most 2000 characters).</param>
/// <param name="CommunityId">The community or village the request is in.</param>
/// <param name="GridId">The grid or compound, when known (must be under the community).</param>
/// <param name="ResidentPhone">Stored for the return visit; lists show it masked.</param>
/// <param name="Channel">resident_app, member_visit (a member's home visit, 入户走访: name placedByMemberId), hotline, on_site or open311.</param>
/// <param name="Attachments">Up to 10 http(s) links to photos or documents.</param>
/// <param name="IsMicroWish">A micro-wish (微心愿): shown on the wish wall for members to adopt.</param>
/// <param name="Skills">Skills the work needs, if known (else the category's).</param>
public sealed record PlaceRequestRequest(
    [Required] string? Category, [Required] string? Description, [Required] Guid? CommunityId, Guid? GridId, string? Address, double? Latitude, double? Longitude,
    string? ResidentName, string? ResidentPhone, [Required] string? Channel, Guid? PlacedByMemberId, IReadOnlyList<string>? Attachments, bool? IsMicroWish,
    IReadOnlyList<string>? Skills);

public sealed record PutCategoriesRequest([Required] IReadOnlyList<RequestCategoryResponse>? Categories);

/// <summary>Residents' requests (点单): placing, reading, history, duplicate suggestions and the county's categories.</summary>
public static partial class RequestsApi
{
    public static RouteGroupBuilder MapRequestsApi(this RouteGroupBuilder county)
    {
        var requests = county.MapGroup("/requests").WithTags("Requests");
        requests.MapPost("/", Place).WithName("dispatch.PlaceRequest").WithSummary("Place a resident's request (点单)")
            .WithDescription("By a resident through an integrator, by a member after a home visit (channel member_visit), or by community staff. The answer suggests open requests that may be the same matter.")
            .WithRequestExample(new
            {
                category = "livelihood", description = "3栋2单元楼道灯坏了一个多月，晚上老人上下楼不方便", communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983",
                gridId = "01a206e3-947f-7b7c-9a51-2f0e5d1c7a11", address = "东门社区3栋2单元", residentName = "李阿姨", residentPhone = "13812345678",
                channel = "resident_app", attachments = new[] { "https://files.example.cn/photos/corridor-light.jpg" }, isMicroWish = false,
            });
        requests.MapGet("/", List).WithName("dispatch.ListRequests").WithSummary("List requests by status, area, category, tier, holder or overdue");
        requests.MapGet("/{id:guid}", Get).WithName("dispatch.GetRequest").WithSummary("Get one request with its holders and deadlines");
        requests.MapGet("/{id:guid}/history", History).WithName("dispatch.GetRequestHistory").WithSummary("Every move of a request: who, what, when, from which channel");
        requests.MapRequestsExport();
        requests.MapGet("/{id:guid}/duplicates", Duplicates).WithName("dispatch.GetRequestDuplicates").WithSummary("Open requests that may be the same matter");
        county.MapGet("/request-categories", Categories).WithTags("Requests").WithName("dispatch.ListRequestCategories").WithSummary("The county's request categories");
        county.MapPut("/request-categories", PutCategories).WithTags("Requests").WithName("dispatch.PutRequestCategories").WithSummary("Replace the county's request categories");
        return county;
    }

    private static async Task<Results<Created<RequestResponse>, ValidationProblem, ProblemHttpResult>> Place(
        PlaceRequestRequest request, DispatchDbContext db, ITenantContext tenant, CountyReference reference, TimeProvider clock, IOptions<SupervisionOptions> options,
        HttpContext http, CancellationToken cancellationToken)
    {
        var county = await reference.GetAsync(db, tenant.CountyId!.Value, cancellationToken);
        var categories = county.Categories;
        var errors = new ValidationErrors();
        if (errors.RequireText("category", request.Category, maxLength: 32) && categories.All(c => c.Code != request.Category))
        {
            errors.Add("category", $"'category' must be one of the county's categories: {string.Join(", ", categories.Select(c => c.Code))}.");
        }
        errors.RequireText("description", request.Description, maxLength: 2000);
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required.");
        }
        errors.OptionalText("address", request.Address, maxLength: 200);
        if (request.Latitude is not null != request.Longitude is not null)
        {
            errors.Add(request.Latitude is null ? "latitude" : "longitude", "'latitude' and 'longitude' go together.");
        }
        if (request.Latitude is < -90 or > 90)
        {
            errors.Add("latitude", "'latitude' must be between -90 and 90.");
        }
        if (request.Longitude is < -180 or > 180)
        {
            errors.Add("longitude", "'longitude' must be between -180 and 180.");
        }
        errors.OptionalText("residentName", request.ResidentName, maxLength: 50);
        errors.OptionalPhone("residentPhone", request.ResidentPhone);
        if (request.Channel is null || !RequestVocabulary.Channels.Contains(request.Channel))
        {
            errors.Add("channel", $"'channel' must be one of {RequestVocabulary.Choices(RequestVocabulary.Channels)}.");
        }
        else if (request.Channel == "member_visit" && request.PlacedByMemberId is null)
        {
            errors.Add("placedByMemberId", "'placedByMemberId' is required for a request placed on a home visit (member_visit).");
        }
        Evidence.Validate(errors, "attachments", request.Attachments);
        ValidateSkills(errors, request.Skills);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }

        var community = county.Area(request.CommunityId);
        if (community is null)
        {
            return Problems.MissingReference("communityId", "community", request.CommunityId!.Value);
        }
        if (community.Level is not ("community" or "village") || community.RetiredAt is not null)
        {
            return Problems.InvalidReference("communityId", "must be an active community or village");
        }
        if (request.GridId is { } gridId)
        {
            var grid = county.Area(gridId);
            if (grid is null)
            {
                return Problems.MissingReference("gridId", "grid", gridId);
            }
            if (grid.Level is not ("grid" or "compound") || grid.RetiredAt is not null || !county.IsUnder(grid, community.Id))
            {
                return Problems.InvalidReference("gridId", "must be an active grid or compound of the request's community");
            }
        }
        if (request.PlacedByMemberId is { } memberId
            && (await ReplicaReferences.FindActiveMemberAsync(db, "placedByMemberId", memberId, cancellationToken)).Item2 is { } memberProblem)
        {
            return memberProblem;
        }

        var now = clock.GetUtcNow();
        var street = county.Area(community.ParentId) is { Level: "street" or "township" } parent ? parent : null;
        var placed = new ServiceRequest
        {
            Id = Guid.CreateVersion7(now), CountyId = tenant.CountyId!.Value, Category = request.Category!, Description = request.Description!.Trim(),
            Skills = [.. (request.Skills ?? []).Select(s => s.Trim())], CommunityId = community.Id, GridId = request.GridId, StreetId = street?.Id,
            Address = request.Address?.Trim(), Latitude = request.Latitude, Longitude = request.Longitude, ResidentName = request.ResidentName?.Trim(),
            ResidentPhone = request.ResidentPhone?.Trim(), Channel = request.Channel!, PlacedByMemberId = request.PlacedByMemberId,
            Attachments = [.. request.Attachments ?? []], IsMicroWish = request.IsMicroWish ?? false, PlacedAt = now,
        };
        // Until triage gives the tier, the community must respond within the ordinary tier's limit.
        var settings = county.SettingsAt(now);
        placed.ResponseDueAt = now.AddHours(Deadlines.Tier(settings, "ordinary").ResponseHours);
        db.Requests.Add(placed);
        var work = new RequestWork(placed, []);
        var actor = Actor.From(http) with { Channel = placed.Channel };
        if (request.PlacedByMemberId is { } visitor)
        {
            actor = actor.AsMember(visitor);
        }
        var facts = RequestFlow.Record(db, work, "place", RequestStatus.Placed, actor, now);
        Deadlines.Schedule(db, placed, options.Value, now);
        db.Outbox.Publish(new RequestPlaced(placed.CountyId, facts, now));
        // Suggestions only, read before the save. No transaction of its own: a POST with an
        // Idempotency-Key runs in the key's; without one the save shares a group commit's.
        var duplicates = await FindDuplicatesAsync(db, placed, cancellationToken);
        await db.SaveChangesGroupedAsync(cancellationToken);
        ETags.Tag(http, placed);
        return TypedResults.Created(http.Request.Path.Add($"/{placed.Id}").Value, RequestResponse.From(placed, [], maskPhone: false, duplicates));
    }

    private static async Task<Results<Ok<Page<RequestResponse>>, ValidationProblem>> List(
        string? status, Guid? communityId, Guid? gridId, Guid? streetId, string? category, string? tier, bool? microWish, bool? overdue,
        Guid? memberId, Guid? unitId, Instant? placedFrom, Instant? placedTo, int? page, int? pageSize,
        DispatchDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var filter = new RequestFilter(status, communityId, gridId, streetId, category, tier, microWish, overdue, memberId, unitId, placedFrom?.Value, placedTo?.Value);
        var query = filter.Apply(db, errors);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || query is null)
        {
            return errors.ToProblem();
        }
        return TypedResults.Ok(await PageAsync(db, query.OrderByDescending(r => r.PlacedAt).ThenBy(r => r.Id), paging, cancellationToken));
    }

    /// <summary>One page of requests with their holders, phones masked.</summary>
    internal static async Task<Page<RequestResponse>> PageAsync(DispatchDbContext db, IQueryable<ServiceRequest> ordered, PageRequest paging, CancellationToken cancellationToken)
    {
        var total = await ordered.LongCountAsync(cancellationToken);
        var items = await ordered.Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var ids = items.Select(r => r.Id).ToList();
        var holders = await HoldersAsync(db, ids, cancellationToken);
        return new Page<RequestResponse>(items.Select(r => RequestResponse.From(r, holders, maskPhone: true)).ToList(), paging.Page, paging.PageSize, total);
    }

    /// <summary>The members holding any of these requests now.</summary>
    internal static Task<List<RequestClaimant>> HoldersAsync(DispatchDbContext db, List<Guid> requestIds, CancellationToken cancellationToken) =>
        db.RequestClaimants.AsNoTracking().Where(h => requestIds.Contains(h.RequestId) && h.ReleasedAt == null).ToListAsync(cancellationToken);

    private static async Task<Results<Ok<RequestResponse>, ProblemHttpResult>> Get(Guid id, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var request = await db.Requests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null)
        {
            return Problems.ResourceNotFound("request", id);
        }
        var holders = await db.RequestClaimants.AsNoTracking().Where(h => h.RequestId == id && h.ReleasedAt == null).ToListAsync(cancellationToken);
        ETags.Tag(http, request);
        return TypedResults.Ok(RequestResponse.From(request, holders, maskPhone: false));
    }

    private static async Task<Results<Ok<IReadOnlyList<HistoryEntryResponse>>, ProblemHttpResult>> History(Guid id, DispatchDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Requests.AnyAsync(r => r.Id == id, cancellationToken))
        {
            return Problems.ResourceNotFound("request", id);
        }
        var entries = await db.RequestHistory.AsNoTracking().Where(e => e.RequestId == id).OrderBy(e => e.Sequence)
            .Select(e => new HistoryEntryResponse(e.At, e.Action, e.FromStatus, e.ToStatus, e.ActorRole, e.ActorId, e.ActorName, e.Channel, e.Note, e.Evidence))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<HistoryEntryResponse>>(await NameMembersAsync(db, entries, cancellationToken));
    }

    /// <summary>
    /// A member who acted without the integrator naming them (a claim, a completion ...) is recorded by
    /// id: the history reads their name from the county's members, so that a supervisor sees who it was.
    /// </summary>
    private static async Task<IReadOnlyList<HistoryEntryResponse>> NameMembersAsync(DispatchDbContext db, List<HistoryEntryResponse> entries, CancellationToken cancellationToken)
    {
        static Guid? Unnamed(HistoryEntryResponse e) =>
            e is { ActorRole: "member", ActorName: null } && Guid.TryParse(e.ActorId, out var member) ? member : null;
        var unnamed = entries.Select(Unnamed).OfType<Guid>().Distinct().ToList();
        if (unnamed.Count == 0)
        {
            return entries;
        }
        var names = await db.Members.AsNoTracking().Where(m => unnamed.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.Name, cancellationToken);
        return [.. entries.Select(e => Unnamed(e) is { } member && names.TryGetValue(member, out var name) ? e with { ActorName = name } : e)];
    }

    private static async Task<Results<Ok<IReadOnlyList<DuplicateCandidate>>, ProblemHttpResult>> Duplicates(Guid id, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var request = await db.Requests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null)
        {
            return Problems.ResourceNotFound("request", id);
        }
        return TypedResults.Ok(await FindDuplicatesAsync(db, request, cancellationToken));
    }

    /// <summary>
    /// Open requests of the same category in the same grid (or community, when no grid is named)
    /// from the last 30 days whose text is similar: the Dice coefficient of their character
    /// bigrams is at least 0.35 (works for Chinese text without word segmentation).
    /// </summary>
    internal static async Task<IReadOnlyList<DuplicateCandidate>> FindDuplicatesAsync(DispatchDbContext db, ServiceRequest request, CancellationToken cancellationToken)
    {
        var mine = TextSimilarity.Bigrams(request.Description);
        var candidates = new List<DuplicateCandidate>();
        await foreach (var c in OpenNeighbours(db, request.Id, request.Category, request.CommunityId, request.GridId, request.PlacedAt.AddDays(-30)).WithCancellation(cancellationToken))
        {
            var similarity = Math.Round(TextSimilarity.Dice(mine, c.Description), 3);
            if (similarity >= 0.35)
            {
                candidates.Add(new DuplicateCandidate(c.Id, c.Description, c.Status, c.PlacedAt, similarity));
            }
        }
        return [.. candidates.OrderByDescending(c => c.Similarity).ThenByDescending(c => c.PlacedAt).Take(5)];
    }

    /// <summary>
    /// The newest fifty other open requests of the category in the grid (in the community, for a
    /// request naming no grid) placed since the moment given. Compiled once: every placing runs it.
    /// EF Core writes the statement for the grid parameter's nullability, so each shape names one
    /// place only, the one its index starts with (a grid lies in its request's community, checked at
    /// placing): with the community in the grid's statement too, the planner, while statistics still
    /// showed a small table, intersected the community's index with the grid's and read far more.
    /// </summary>
    private static readonly Func<DispatchDbContext, Guid, string, Guid, Guid?, DateTimeOffset, IAsyncEnumerable<Neighbour>> OpenNeighbours =
        EF.CompileAsyncQuery((DispatchDbContext db, Guid id, string category, Guid community, Guid? grid, DateTimeOffset since) => db.Requests.AsNoTracking()
            .Where(r => r.Id != id && r.Category == category
                && ((grid == null && r.CommunityId == community) || (grid != null && r.GridId == grid)) && r.PlacedAt >= since
                && RequestStatus.Open.Contains(r.Status))
            .OrderByDescending(r => r.PlacedAt).Take(50)
            .Select(r => new Neighbour(r.Id, r.Description, r.Status, r.PlacedAt)));

    private sealed record Neighbour(Guid Id, string Description, string Status, DateTimeOffset PlacedAt);

    private static async Task<Ok<IReadOnlyList<RequestCategoryResponse>>> Categories(
        DispatchDbContext db, CountyReference reference, ITenantContext tenant, HttpContext http, CancellationToken cancellationToken)
    {
        var view = await reference.GetAsync(db, tenant.CountyId!.Value, cancellationToken);
        http.Response.Headers.ETag = ETags.Of(view.CategoriesVersion);
        return TypedResults.Ok<IReadOnlyList<RequestCategoryResponse>>(view.Categories.Select(c => new RequestCategoryResponse(c.Code, c.Name, c.Description, c.Skills)).ToList());
    }

    private static async Task<Results<Ok<IReadOnlyList<RequestCategoryResponse>>, ValidationProblem, ProblemHttpResult>> PutCategories(
        PutCategoriesRequest request, DispatchDbContext db, CountyReference reference, ITenantContext tenant, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var categories = request.Categories ?? [];
        if (categories.Count is < 1 or > 50)
        {
            errors.Add("categories", "'categories' must hold 1 to 50 categories.");
        }
        for (var i = 0; i < categories.Count; i++)
        {
            if (categories[i] is not { } category)
            {
                errors.Add($"categories[{i}]", $"'categories[{i}]' must be a category, not null.");
                continue;
            }
            errors.RequireMatch($"categories[{i}].code", category.Code, CategoryCode(), "must be 1 to 32 lower-case letters, digits or '_'");
            errors.RequireText($"categories[{i}].name", category.Name, maxLength: 50);
            errors.OptionalText($"categories[{i}].description", category.Description, maxLength: 200);
            ValidateSkills(errors, category.Skills, $"categories[{i}].skills");
        }
        if (categories.OfType<RequestCategoryResponse>().GroupBy(c => c.Code).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            errors.Add("categories", $"Category code '{twice.Key}' appears more than once.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // One replacement of a county's categories at a time, so that If-Match is checked against the set it replaces.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"request_categories:" + tenant.CountyId}, 0))", cancellationToken);
        var version = await db.RequestCategories.MaxAsync(c => (int?)c.Version, cancellationToken) ?? 0;
        if (ETags.PreconditionFailed(http, version) is { } stale)
        {
            return stale;
        }
        await db.RequestCategories.ExecuteDeleteAsync(cancellationToken);
        db.RequestCategories.AddRange(categories.Select((c, i) => new RequestCategory
        {
            Code = c.Code, Name = c.Name.Trim(), Description = c.Description?.Trim(), Skills = [.. c.Skills ?? []], SortOrder = i, Version = version + 1,
        }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        reference.Forget(tenant.CountyId!.Value);
        http.Response.Headers.ETag = ETags.Of(version + 1);
        return TypedResults.Ok<IReadOnlyList<RequestCategoryResponse>>(categories);
    }

    internal static void ValidateSkills(ValidationErrors errors, IReadOnlyList<string>? skills, string field = "skills")
    {
        if (skills is null)
        {
            return;
        }
        if (skills.Count > 10 || skills.Any(s => string.IsNullOrWhiteSpace(s) || s.Trim().Length > 50))
        {
            errors.Add(field, $"'{field}' may hold up to 10 skills of 1 to 50 characters each.");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9_]{1,32}$")]
    private static partial System.Text.RegularExpressions.Regex CategoryCode();
}

/// <summary>
/// Similarity of short texts by character bigrams (language-neutral, fine for Chinese): the Dice
/// coefficient of their sets of distinct bigrams. A set is a sorted array, so two are compared in one
/// pass, and a candidate's set is built in a buffer of the stack or the pool: ranking a placed
/// request against its fifty neighbours allocates nothing per neighbour.
/// </summary>
public static class TextSimilarity
{
    private const int StackLimit = 512;

    /// <summary>The text's distinct bigrams of letters and digits (case-folded), each two UTF-16 units packed in one int, in ascending order.</summary>
    public static int[] Bigrams(string text)
    {
        var rented = text.Length > StackLimit ? ArrayPool<int>.Shared.Rent(text.Length) : null;
        Span<int> buffer = rented is null ? stackalloc int[StackLimit] : rented;
        var bigrams = Collect(text, buffer).ToArray();
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
        return bigrams;
    }

    /// <summary>The Dice coefficient of two sets of <see cref="Bigrams"/>; 0 when both are empty.</summary>
    public static double Dice(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length + b.Length == 0)
        {
            return 0;
        }
        int i = 0, j = 0, shared = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                shared++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return 2.0 * shared / (a.Length + b.Length);
    }

    /// <summary>The Dice coefficient of a set of <see cref="Bigrams"/> and a text's.</summary>
    public static double Dice(ReadOnlySpan<int> bigrams, string text)
    {
        var rented = text.Length > StackLimit ? ArrayPool<int>.Shared.Rent(text.Length) : null;
        Span<int> buffer = rented is null ? stackalloc int[StackLimit] : rented;
        var similarity = Dice(bigrams, Collect(text, buffer));
        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
        return similarity;
    }

    /// <summary>Writes the text's distinct bigrams into the buffer (at least as long as the text) in ascending order.</summary>
    private static Span<int> Collect(string text, Span<int> buffer)
    {
        var count = 0;
        var previous = -1;
        foreach (var c in text)
        {
            if (!char.IsLetterOrDigit(c))
            {
                continue;
            }
            var current = char.ToLowerInvariant(c);
            if (previous >= 0)
            {
                buffer[count++] = previous << 16 | current;
            }
            previous = current;
        }
        var bigrams = buffer[..count];
        bigrams.Sort();
        var distinct = 0;
        for (var k = 0; k < bigrams.Length; k++)
        {
            if (k == 0 || bigrams[k] != bigrams[k - 1])
            {
                bigrams[distinct++] = bigrams[k];
            }
        }
        return bigrams[..distinct];
    }
}

/// <summary>What a list or an export of requests is narrowed to (every part optional).</summary>
internal sealed record RequestFilter(
    string? Status, Guid? CommunityId, Guid? GridId, Guid? StreetId, string? Category, string? Tier, bool? MicroWish, bool? Overdue,
    Guid? MemberId, Guid? UnitId, DateTimeOffset? PlacedFrom, DateTimeOffset? PlacedTo)
{
    /// <summary>The county's requests the filter admits; null when a status or tier is not one of the vocabulary (the errors say which).</summary>
    public IQueryable<ServiceRequest>? Apply(DispatchDbContext db, ValidationErrors errors)
    {
        var statuses = Status?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (statuses.Any(s => !RequestStatus.All.Contains(s)))
        {
            errors.Add("status", $"'status' must be one or more (comma-separated) of {RequestVocabulary.Choices(RequestStatus.All)}.");
        }
        if (Tier is not null && !RequestVocabulary.Tiers.Contains(Tier))
        {
            errors.Add("tier", $"'tier' must be one of {RequestVocabulary.Choices(RequestVocabulary.Tiers)}.");
        }
        if (!errors.IsValid)
        {
            return null;
        }
        var query = db.Requests.AsNoTracking();
        query = statuses.Length > 0 ? query.Where(r => statuses.Contains(r.Status)) : query;
        query = CommunityId is { } c ? query.Where(r => r.CommunityId == c) : query;
        query = GridId is { } g ? query.Where(r => r.GridId == g) : query;
        query = StreetId is { } s ? query.Where(r => r.StreetId == s) : query;
        query = Category is { } category ? query.Where(r => r.Category == category) : query;
        query = Tier is { } tier ? query.Where(r => r.Tier == tier) : query;
        query = MicroWish is { } w ? query.Where(r => r.IsMicroWish == w) : query;
        query = Overdue is { } o ? query.Where(r => (r.ResponseOverdueAt != null || r.CompletionOverdueAt != null) == o) : query;
        query = MemberId is { } m
            ? query.Where(r => r.AssigneeMemberId == m || db.RequestClaimants.Any(h => h.RequestId == r.Id && h.MemberId == m && h.ReleasedAt == null))
            : query;
        query = UnitId is { } u ? query.Where(r => r.AssigneeUnitId == u) : query;
        query = PlacedFrom is { } from ? query.Where(r => r.PlacedAt >= from) : query;
        query = PlacedTo is { } to ? query.Where(r => r.PlacedAt < to) : query;
        return query;
    }
}
