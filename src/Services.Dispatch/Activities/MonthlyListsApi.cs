using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Dispatch;
using Platform.Dispatch.Requests;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Dispatch.Activities;

/// <param name="Month">yyyy-MM.</param>
public sealed record CreateMonthlyListRequest([Required] Guid? CommunityId, [Required] string? Month);

/// <param name="Category">e.g. 环境整治, 助老服务 (at most 50 characters).</param>
/// <param name="Source">request (give <paramref name="RequestId"/>: an open request of the list's community, not on the list yet) or manual.</param>
public sealed record AddMonthlyListItemRequest([Required] string? Title, string? Description, [Required] string? Category, [Required] string? Source, Guid? RequestId);

public sealed record ClaimMonthlyListItemRequest([Required] Guid? UnitId);

/// <param name="Status">in_progress or done.</param>
/// <param name="Note">What happened (at most 1000 characters).</param>
public sealed record MonthlyListProgressRequest([Required] string? Status, string? Note);

public sealed record ProgressEntryResponse(MonthlyListItemStatus Status, string? Note, DateTimeOffset RecordedAt);

public sealed record MonthlyListItemResponse(
    Guid Id, Guid ListId, string Title, string? Description, string Category, MonthlyListItemSource Source, Guid? RequestId, MonthlyListItemStatus Status,
    Guid? UnitId, string? UnitName, DateTimeOffset AddedAt, DateTimeOffset? ClaimedAt, DateTimeOffset? DoneAt, int Version,
    IReadOnlyList<ProgressEntryResponse> Progress);

/// <param name="Demands">Items on the demand list (not removed).</param>
/// <param name="Claimed">Items on the service list (claimed by a unit).</param>
public sealed record MonthlyListCounts(int Demands, int Unclaimed, int Claimed, int Planned, int InProgress, int Done);

/// <summary>A unit's part of the service list: the items it claimed.</summary>
public sealed record ServiceListUnit(Guid UnitId, string UnitName, IReadOnlyList<MonthlyListItemResponse> Items);

/// <param name="Added">How many demands this call added (0 when every open need was on the list already).</param>
/// <param name="List">The list with its demand and service lists.</param>
public sealed record AssembleMonthlyListResponse(int Added, MonthlyListResponse List);

/// <param name="DemandList">需求清单: every item, claimed or not.</param>
/// <param name="ServiceList">服务清单: the claimed items, by unit.</param>
public sealed record MonthlyListResponse(
    Guid Id, Guid CommunityId, string Month, MonthlyListStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt, int Version,
    MonthlyListCounts Counts, IReadOnlyList<MonthlyListItemResponse>? DemandList = null, IReadOnlyList<ServiceListUnit>? ServiceList = null);

/// <summary>
/// A community's monthly lists: the demand list (需求清单) it collects, which member units claim at
/// the joint meeting (联席会议) into the service list (服务清单), and each item's progress.
/// </summary>
public static class MonthlyListsApi
{
    public static RouteGroupBuilder MapMonthlyListsApi(this RouteGroupBuilder county)
    {
        var lists = county.MapGroup("/monthly-lists").WithTags("Monthly lists");
        lists.MapPost("/", Create).WithName("dispatch.CreateMonthlyList").WithSummary("Open a community's list for a month (one per community and month)")
            .WithRequestExample(new { communityId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", month = "2026-12" });
        lists.MapGet("/", List).WithName("dispatch.ListMonthlyLists").WithSummary("List monthly lists by community, month or status, with progress counts");
        lists.MapGet("/{id:guid}", Get).WithName("dispatch.GetMonthlyList").WithSummary("Get a list: its demand list, its service list by unit and progress counts");
        lists.MapPost("/{id:guid}/close", Close).WithName("dispatch.CloseMonthlyList").WithSummary("Close the list: no more demands or claims; progress goes on");
        lists.MapPost("/{id:guid}/items", AddItem).WithName("dispatch.AddMonthlyListItem").WithSummary("Add a demand to an open list")
            .WithRequestExample(new { title = "老旧小区楼道照明维修", description = "3号楼、5号楼楼道灯损坏", category = "环境整治", source = "request", requestId = "01a206e4-1c2d-7a4b-9e0f-3b5c7d9e1f20" });
        lists.MapPost("/{id:guid}/assemble", Assemble).WithName("dispatch.AssembleMonthlyList")
            .WithSummary("Add the community's open needs to an open list: every open request nobody has taken on, and every complex one")
            .WithDescription("A request not yet dispatched or waiting in the claim pool, or of the complex tier and still open, becomes a demand (source request) unless the list has it already. Answers how many were added, with the list.");
        lists.MapGet("/{id:guid}/items/{itemId:guid}", GetItem).WithName("dispatch.GetMonthlyListItem")
            .WithSummary("One demand of the list with its unit and progress (where adding one points); a removed one is not found");
        lists.MapDelete("/{id:guid}/items/{itemId:guid}", RemoveItem).WithName("dispatch.RemoveMonthlyListItem").WithSummary("Remove an unclaimed demand from an open list");
        lists.MapPost("/{id:guid}/items/{itemId:guid}/claim", Claim).WithName("dispatch.ClaimMonthlyListItem")
            .WithSummary("A unit paired with the community claims a demand at the joint meeting (it joins the service list)")
            .WithDescription("An item is claimed once (409 item_already_claimed); a unit not paired with the community in the list's month answers 422 not_paired.")
            .WithRequestExample(new { unitId = "01a206e3-9237-7525-a94d-620df108d365" });
        lists.MapPost("/{id:guid}/items/{itemId:guid}/progress", Progress).WithName("dispatch.RecordMonthlyListProgress")
            .WithSummary("Move a claimed item on: planned → in_progress → done, with a note")
            .WithRequestExample(new { status = "in_progress", note = "已采购灯具，预计本周末完成更换" });
        return county;
    }

    private static async Task<Results<Created<MonthlyListResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateMonthlyListRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.CommunityId is null)
        {
            errors.Add("communityId", "'communityId' is required.");
        }
        if (!ActivityCalendar.TryParseMonth(request.Month, out var month))
        {
            errors.Add("month", $"'month' is required as yyyy-MM (e.g. 2026-12), of a year from {ActivityCalendar.Years}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (await ReplicaReferences.CheckCommunityAsync(db, "communityId", request.CommunityId!.Value, cancellationToken) is { } communityProblem)
        {
            return communityProblem;
        }
        if (await db.MonthlyLists.AnyAsync(l => l.CommunityId == request.CommunityId && l.Month == month, cancellationToken))
        {
            return ListExists(month);
        }
        var now = clock.GetUtcNow();
        var list = new MonthlyList { Id = Guid.CreateVersion7(now), CommunityId = request.CommunityId.Value, Month = month, Status = MonthlyListStatus.Open, CreatedAt = now };
        db.MonthlyLists.Add(list);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_monthly_lists_community_month"))
        {
            return ListExists(month);
        }
        ETags.Tag(http, list);
        return TypedResults.Created(http.Request.Path.Add($"/{list.Id}").Value, await DetailAsync(db, list, cancellationToken));
    }

    private static async Task<Results<Ok<Page<MonthlyListResponse>>, ValidationProblem>> List(
        Guid? communityId, string? month, string? status, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DateOnly? monthFilter = null;
        if (!string.IsNullOrEmpty(month))
        {
            if (ActivityCalendar.TryParseMonth(month, out var m))
            {
                monthFilter = m;
            }
            else
            {
                errors.Add("month", $"'month' must be yyyy-MM, of a year from {ActivityCalendar.Years}.");
            }
        }
        var statusFilter = errors.OptionalEnum<MonthlyListStatus>("status", status);
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging) || !errors.IsValid)
        {
            return errors.ToProblem();
        }
        var query = db.MonthlyLists.AsNoTracking();
        if (communityId is { } community)
        {
            query = query.Where(l => l.CommunityId == community);
        }
        if (monthFilter is { } mf)
        {
            query = query.Where(l => l.Month == mf);
        }
        if (statusFilter is { } s)
        {
            query = query.Where(l => l.Status == s);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var lists = await query.OrderByDescending(l => l.Month).ThenBy(l => l.CommunityId).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var listIds = lists.Select(l => l.Id).ToList();
        var statuses = await db.MonthlyListItems.AsNoTracking()
            .Where(i => listIds.Contains(i.ListId) && i.Status != MonthlyListItemStatus.Removed)
            .Select(i => new { i.ListId, i.Status }).ToListAsync(cancellationToken);
        var byList = statuses.ToLookup(s => s.ListId, s => s.Status);
        return TypedResults.Ok(new Page<MonthlyListResponse>(
            lists.Select(l => Summary(l, CountsOf(byList[l.Id]))).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<MonthlyListResponse>, ProblemHttpResult>> Get(Guid id, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var list = await db.MonthlyLists.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
        if (list is null)
        {
            return ActivityProblems.NotFound("monthly_list", id);
        }
        ETags.Tag(http, list);
        return TypedResults.Ok(await DetailAsync(db, list, cancellationToken));
    }

    private static async Task<Results<Ok<MonthlyListResponse>, ProblemHttpResult>> Close(
        Guid id, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (list, problem) = await FindOpenListAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        list!.Status = MonthlyListStatus.Closed;
        list.ClosedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, list);
        return TypedResults.Ok(await DetailAsync(db, list, cancellationToken));
    }

    private static async Task<Results<Created<MonthlyListItemResponse>, ValidationProblem, ProblemHttpResult>> AddItem(
        Guid id, AddMonthlyListItemRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("title", request.Title, maxLength: 100);
        errors.OptionalText("description", request.Description, maxLength: 2000);
        errors.RequireText("category", request.Category, maxLength: 50);
        MonthlyListItemSource source = default;
        if (request.Source is null)
        {
            errors.Add("source", $"'source' is required: one of {Wire.Choices<MonthlyListItemSource>()}.");
        }
        else if (!Wire.TryParse(request.Source, out source))
        {
            errors.Add("source", $"'source' must be one of {Wire.Choices<MonthlyListItemSource>()}.");
        }
        else if (source == MonthlyListItemSource.Request && request.RequestId is null)
        {
            errors.Add("requestId", "'requestId' is required when the source is a request.");
        }
        else if (source == MonthlyListItemSource.Manual && request.RequestId is not null)
        {
            errors.Add("requestId", "'requestId' must be empty for a manual item.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var (list, problem) = await FindOpenListAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (request.RequestId is { } requestId && await CheckRequestAsync(db, list!, requestId, cancellationToken) is { } requestProblem)
        {
            return requestProblem;
        }
        var now = clock.GetUtcNow();
        var item = new MonthlyListItem
        {
            Id = Guid.CreateVersion7(now), ListId = id, Title = request.Title!.Trim(), Description = request.Description?.Trim(), Category = request.Category!.Trim(),
            Source = source, RequestId = request.RequestId, Status = MonthlyListItemStatus.Unclaimed, AddedAt = now,
        };
        db.MonthlyListItems.Add(item);
        db.Touch(list!);
        db.Advance(item);
        db.Outbox.Publish(Changed(item, list!, MonthlyListItemChange.Added, now));
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, item);
        return TypedResults.Created(http.Request.Path.Add($"/{item.Id}").Value, await ItemAsync(db, item, cancellationToken));
    }

    /// <summary>A demand from a request: one of the list's community, still open, not on the list already.</summary>
    private static async Task<ProblemHttpResult?> CheckRequestAsync(DispatchDbContext db, MonthlyList list, Guid requestId, CancellationToken cancellationToken)
    {
        var need = await db.Requests.AsNoTracking().Where(r => r.Id == requestId)
            .Select(r => new { r.CommunityId, r.Status }).FirstOrDefaultAsync(cancellationToken);
        if (need is null)
        {
            return Problems.MissingReference("requestId", "request", requestId);
        }
        if (need.CommunityId != list.CommunityId)
        {
            return Problems.InvalidReference("requestId", "must name a request of the list's community");
        }
        if (!RequestStatus.IsOpen(need.Status))
        {
            return Problems.InvalidReference("requestId", $"must name an open request (it is {need.Status})");
        }
        return await db.MonthlyListItems.AnyAsync(i => i.ListId == list.Id && i.RequestId == requestId && i.Status != MonthlyListItemStatus.Removed, cancellationToken)
            ? ActivityProblems.Conflict("request_already_listed", "The request is on this list already.", "requestId")
            : null;
    }

    private static async Task<Results<Ok<AssembleMonthlyListResponse>, ProblemHttpResult>> Assemble(
        Guid id, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (list, problem) = await FindOpenListAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var listed = db.MonthlyListItems.Where(i => i.ListId == id && i.Status != MonthlyListItemStatus.Removed && i.RequestId != null).Select(i => i.RequestId!.Value);
        var needs = await db.Requests.AsNoTracking()
            .Where(r => r.CommunityId == list!.CommunityId && RequestStatus.Open.Contains(r.Status)
                && (r.Status == RequestStatus.Placed || r.Status == RequestStatus.Pooled || r.Tier == "complex")
                && !listed.Contains(r.Id))
            .OrderBy(r => r.PlacedAt).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.Description, r.Category })
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        foreach (var need in needs)
        {
            var item = new MonthlyListItem
            {
                Id = Guid.CreateVersion7(now), ListId = id, Title = Headline(need.Description), Description = need.Description, Category = need.Category,
                Source = MonthlyListItemSource.Request, RequestId = need.Id, Status = MonthlyListItemStatus.Unclaimed, AddedAt = now,
            };
            db.MonthlyListItems.Add(item);
            db.Advance(item);
            db.Outbox.Publish(Changed(item, list!, MonthlyListItemChange.Added, now));
        }
        if (needs.Count > 0)
        {
            db.Touch(list!);
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, list!);
        return TypedResults.Ok(new AssembleMonthlyListResponse(needs.Count, await DetailAsync(db, list!, cancellationToken)));
    }

    /// <summary>A demand's title from a request's description: its first line, at most 100 characters.</summary>
    private static string Headline(string description)
    {
        var line = description.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return TextCut.Shorten((end >= 0 ? line[..end] : line).TrimEnd(), 100);
    }

    private static async Task<Results<Ok<MonthlyListItemResponse>, ProblemHttpResult>> GetItem(
        Guid id, Guid itemId, DispatchDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var item = await db.MonthlyListItems.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == itemId && i.ListId == id && i.Status != MonthlyListItemStatus.Removed, cancellationToken);
        if (item is null)
        {
            return await db.MonthlyLists.AnyAsync(l => l.Id == id, cancellationToken)
                ? ActivityProblems.NotFound("monthly_list_item", itemId)
                : ActivityProblems.NotFound("monthly_list", id);
        }
        ETags.Tag(http, item);
        return TypedResults.Ok(await ItemAsync(db, item, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveItem(
        Guid id, Guid itemId, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var (list, problem) = await FindOpenListAsync(db, http, id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var item = await db.MonthlyListItems.FirstOrDefaultAsync(i => i.Id == itemId && i.ListId == id && i.Status != MonthlyListItemStatus.Removed, cancellationToken);
        if (item is null)
        {
            return ActivityProblems.NotFound("monthly_list_item", itemId);
        }
        if (item.Status != MonthlyListItemStatus.Unclaimed)
        {
            return ItemState("item_claimed", item, "a claimed item stays on the service list");
        }
        var now = clock.GetUtcNow();
        item.Status = MonthlyListItemStatus.Removed;
        item.RemovedAt = now;
        db.Touch(list!);
        db.Advance(item);
        db.Outbox.Publish(Changed(item, list!, MonthlyListItemChange.Removed, now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MonthlyListItemResponse>, ValidationProblem, ProblemHttpResult>> Claim(
        Guid id, Guid itemId, ClaimMonthlyListItemRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.UnitId is null)
        {
            return new ValidationErrors().Add("unitId", "'unitId' is required.").ToProblem();
        }
        // Read under the list's lock: a claim is never saved on a list a closing in flight closes.
        await using var transaction = await RowLocks.MonthlyListAsync(db, id, cancellationToken);
        var list = await db.MonthlyLists.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
        if (list is null)
        {
            return ActivityProblems.NotFound("monthly_list", id);
        }
        var (item, problem) = await FindItemAsync(db, http, id, itemId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (item!.Status != MonthlyListItemStatus.Unclaimed)
        {
            return ItemState("item_already_claimed", item, "an item is claimed once");
        }
        if (list.Status != MonthlyListStatus.Open)
        {
            return ActivityProblems.Conflict("monthly_list_closed", "The list is closed; its demands are no longer claimed.");
        }
        var unitId = request.UnitId.Value;
        if (await ReplicaReferences.CheckUnitAsync(db, "unitId", unitId, cancellationToken) is { } unitProblem)
        {
            return unitProblem;
        }
        var monthStart = list.Month;
        var monthEnd = list.Month.AddMonths(1).AddDays(-1);
        var paired = await db.ReplicaPairings.AnyAsync(p => p.UnitId == unitId && p.CommunityId == list.CommunityId
            && p.StartsOn <= monthEnd && (p.EndsOn == null || p.EndsOn >= monthStart), cancellationToken);
        if (!paired)
        {
            return Problems.Unprocessable("not_paired", "The unit is not paired with this list's community in its month; only paired units claim its demands.", "unitId");
        }
        var now = clock.GetUtcNow();
        item.UnitId = unitId;
        item.Status = MonthlyListItemStatus.Planned;
        item.ClaimedAt = now;
        db.MonthlyListProgress.Add(new MonthlyListProgress { Id = Guid.CreateVersion7(now), ItemId = item.Id, Status = MonthlyListItemStatus.Planned, RecordedAt = now });
        db.Advance(item);
        db.Outbox.Publish(Changed(item, list, MonthlyListItemChange.Claimed, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The item's version guards the claim: of two units racing for it, the second save fails.
            return ActivityProblems.Conflict("item_already_claimed", "Another unit claimed the item at the same moment.");
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        ETags.Tag(http, item);
        return TypedResults.Ok(await ItemAsync(db, item, cancellationToken));
    }

    private static async Task<Results<Ok<MonthlyListItemResponse>, ValidationProblem, ProblemHttpResult>> Progress(
        Guid id, Guid itemId, MonthlyListProgressRequest request, DispatchDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        MonthlyListItemStatus status = default;
        if (request.Status is null || !Wire.TryParse(request.Status, out status) || status is not (MonthlyListItemStatus.InProgress or MonthlyListItemStatus.Done))
        {
            errors.Add("status", "'status' is required: in_progress or done.");
        }
        errors.OptionalText("note", request.Note, maxLength: 1000);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var list = await db.MonthlyLists.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
        if (list is null)
        {
            return ActivityProblems.NotFound("monthly_list", id);
        }
        var (item, problem) = await FindItemAsync(db, http, id, itemId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        switch (item!.Status)
        {
            case MonthlyListItemStatus.Unclaimed:
                return ItemState("item_not_claimed", item, "a unit claims it before it makes progress");
            case MonthlyListItemStatus.Done:
                return ItemState("item_done", item, "it has no further step");
        }
        var now = clock.GetUtcNow();
        item.Status = status;
        if (status == MonthlyListItemStatus.Done)
        {
            item.DoneAt = now;
        }
        db.MonthlyListProgress.Add(new MonthlyListProgress { Id = Guid.CreateVersion7(now), ItemId = item.Id, Status = status, Note = request.Note?.Trim(), RecordedAt = now });
        db.Advance(item);
        db.Outbox.Publish(Changed(item, list, MonthlyListItemChange.Progressed, now));
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, item);
        return TypedResults.Ok(await ItemAsync(db, item, cancellationToken));
    }

    private static MonthlyListItemChanged Changed(MonthlyListItem item, MonthlyList list, string change, DateTimeOffset now) =>
        new(list.CountyId, item.Id, list.Id, list.CommunityId, ActivityCalendar.MonthText(list.Month), item.Title, item.Category, Wire.Of(item.Source),
            item.RequestId, item.UnitId, Wire.Of(item.Status), change, item.Version, item.AddedAt, item.ClaimedAt, item.DoneAt, now);

    private static ProblemHttpResult ListExists(DateOnly month) =>
        ActivityProblems.Conflict("monthly_list_exists", $"The community already has a list for {ActivityCalendar.MonthText(month)}.", "month");

    private static ProblemHttpResult ItemState(string code, MonthlyListItem item, string what) =>
        Problems.Conflict(code, $"The item is {Wire.Of(item.Status)}; {what}.");

    private static async Task<(MonthlyList?, ProblemHttpResult?)> FindOpenListAsync(DispatchDbContext db, HttpContext http, Guid id, CancellationToken cancellationToken)
    {
        var list = await db.MonthlyLists.FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
        if (list is null)
        {
            return (null, ActivityProblems.NotFound("monthly_list", id));
        }
        if (ETags.PreconditionFailed(http, list) is { } stale)
        {
            return (null, stale);
        }
        return list.Status == MonthlyListStatus.Open
            ? (list, null)
            : (null, ActivityProblems.Conflict("monthly_list_closed", $"The list is {Wire.Of(list.Status)}; its demand list no longer changes."));
    }

    private static async Task<(MonthlyListItem?, ProblemHttpResult?)> FindItemAsync(DispatchDbContext db, HttpContext http, Guid listId, Guid itemId, CancellationToken cancellationToken)
    {
        var item = await db.MonthlyListItems.FirstOrDefaultAsync(i => i.Id == itemId && i.ListId == listId && i.Status != MonthlyListItemStatus.Removed, cancellationToken);
        if (item is null)
        {
            return (null, ActivityProblems.NotFound("monthly_list_item", itemId));
        }
        return ETags.PreconditionFailed(http, item) is { } stale ? (null, stale) : (item, null);
    }

    private static async Task<MonthlyListItemResponse> ItemAsync(DispatchDbContext db, MonthlyListItem item, CancellationToken cancellationToken) =>
        (await ItemsAsync(db, [item], cancellationToken))[0];

    private static async Task<List<MonthlyListItemResponse>> ItemsAsync(DispatchDbContext db, IReadOnlyList<MonthlyListItem> items, CancellationToken cancellationToken)
    {
        var itemIds = items.Select(i => i.Id).ToList();
        var unitIds = items.Where(i => i.UnitId is not null).Select(i => i.UnitId!.Value).Distinct().ToList();
        var progress = (await db.MonthlyListProgress.AsNoTracking().Where(p => itemIds.Contains(p.ItemId)).ToListAsync(cancellationToken))
            .OrderBy(p => p.RecordedAt).ThenBy(p => p.Id).ToLookup(p => p.ItemId);
        var unitNames = await db.ReplicaOrganisations.AsNoTracking().Where(o => unitIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        return items.Select(i => new MonthlyListItemResponse(
                i.Id, i.ListId, i.Title, i.Description, i.Category, i.Source, i.RequestId, i.Status, i.UnitId,
                i.UnitId is { } u ? unitNames.GetValueOrDefault(u) : null, i.AddedAt, i.ClaimedAt, i.DoneAt, i.Version,
                progress[i.Id].Select(p => new ProgressEntryResponse(p.Status, p.Note, p.RecordedAt)).ToList()))
            .ToList();
    }

    private static async Task<MonthlyListResponse> DetailAsync(DispatchDbContext db, MonthlyList list, CancellationToken cancellationToken)
    {
        var items = await db.MonthlyListItems.AsNoTracking()
            .Where(i => i.ListId == list.Id && i.Status != MonthlyListItemStatus.Removed)
            .OrderBy(i => i.AddedAt).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        var demandList = await ItemsAsync(db, items, cancellationToken);
        var serviceList = demandList.Where(i => i.UnitId is not null)
            .GroupBy(i => (i.UnitId!.Value, i.UnitName ?? ""))
            .Select(g => new ServiceListUnit(g.Key.Item1, g.Key.Item2, g.ToList()))
            .OrderBy(u => u.UnitName, StringComparer.Ordinal).ThenBy(u => u.UnitId).ToList();
        return Summary(list, CountsOf(items.Select(i => i.Status))) with { DemandList = demandList, ServiceList = serviceList };
    }

    private static MonthlyListResponse Summary(MonthlyList list, MonthlyListCounts counts) =>
        new(list.Id, list.CommunityId, ActivityCalendar.MonthText(list.Month), list.Status, list.CreatedAt, list.ClosedAt, list.Version, counts);

    private static MonthlyListCounts CountsOf(IEnumerable<MonthlyListItemStatus> statuses)
    {
        var all = statuses.Where(s => s != MonthlyListItemStatus.Removed).ToList();
        int Count(MonthlyListItemStatus status) => all.Count(s => s == status);
        return new MonthlyListCounts(all.Count, Count(MonthlyListItemStatus.Unclaimed), all.Count - Count(MonthlyListItemStatus.Unclaimed),
            Count(MonthlyListItemStatus.Planned), Count(MonthlyListItemStatus.InProgress), Count(MonthlyListItemStatus.Done));
    }
}
