using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Gateway.Access;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway.Webhooks;

/// <param name="Url">Where deliveries are POSTed: an absolute http(s) URL (https in production).</param>
/// <param name="EventTypes">Any of GET /api/gateway/webhook-event-types, e.g. request.dispatched.</param>
public sealed record SubscribeRequest([Required] string? Url, [Required] IReadOnlyList<string>? EventTypes, string? Description);

/// <param name="From">Re-send every delivery of the subscription created at or after this instant.</param>
public sealed record ReplayRequest([Required] DateTimeOffset? From);

/// <param name="Status">active, paused or deleted.</param>
/// <param name="PausedReason">requested, or failing with the last error.</param>
public sealed record SubscriptionResponse(
    Guid Id, string County, string Url, IReadOnlyList<string> EventTypes, string? Description, string Status, string? PausedReason,
    DateTimeOffset? PausedAt, int ConsecutiveFailures, DateTimeOffset? FailingSince, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt,
    long PendingDeliveries, long FailedDeliveries, DateTimeOffset CreatedAt, int Version);

/// <summary>A new subscription: <see cref="Secret"/> verifies its deliveries' signatures and is shown here once.</summary>
public sealed record NewSubscriptionResponse(string Secret, SubscriptionResponse Subscription);

public sealed record DeliveryResponse(
    Guid Id, string WebhookId, string EventType, Guid? Subject, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? DeliveredAt);

public sealed record EventTypeResponse(string Type, string Description);

public sealed record ReplayResponse(long Requeued);

/// <summary>
/// Webhook subscriptions of one county (scope <c>webhooks</c>; a county's client reaches only its
/// own): subscribe to event types, see every delivery with its status, pause, resume and replay.
/// Operators see paused and failing subscriptions across counties (scope <c>ops</c>).
/// </summary>
public static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/gateway/webhook-event-types", EventTypes).RequireAuthorization(GatewayAccess.CallerPolicy)
            .WithTags("Gateway: webhooks").WithName("gateway.ListWebhookEventTypes").WithSummary("The event types one can subscribe to");
        endpoints.MapGet("/api/gateway/webhooks", AcrossCounties).RequireScope(PlatformScopes.Ops)
            .WithTags("Gateway: webhooks").WithName("gateway.ListAllWebhooks").WithSummary("Subscriptions of every county, by status (e.g. paused): for operators");

        var webhooks = endpoints.MapGroup($"/api/gateway/counties/{{{TenancyExtensions.CountyRouteParameter}}}/webhooks")
            .WithTags("Gateway: webhooks").RequireScope(PlatformScopes.Webhooks);
        webhooks.MapPost("/", Subscribe).WithName("gateway.Subscribe").WithSummary("Subscribe a URL to event types (the signing secret is shown once)")
            .WithRequestExample(new { url = "https://app.example.cn/hooks/platform", eventTypes = new[] { "request.dispatched", "request.completed", "request.rated" }, description = "智慧社区 app" });
        webhooks.MapGet("/", List).WithName("gateway.ListWebhooks").WithSummary("The county's subscriptions, by status");
        webhooks.MapGet("/{id:guid}", Get).WithName("gateway.GetWebhook").WithSummary("Get a subscription with its delivery counts");
        webhooks.MapPut("/{id:guid}", Update).WithName("gateway.UpdateWebhook").WithSummary("Change a subscription's URL, event types or description (If-Match)")
            .WithRequestExample(new { url = "https://app.example.cn/hooks/platform", eventTypes = new[] { "request.completed" }, description = "智慧社区 app" });
        webhooks.MapDelete("/{id:guid}", Delete).WithName("gateway.DeleteWebhook").WithSummary("Stop a subscription for good (its deliveries stay visible)");
        webhooks.MapPost("/{id:guid}/pause", Pause).WithName("gateway.PauseWebhook").WithSummary("Pause deliveries; events keep being collected");
        webhooks.MapPost("/{id:guid}/resume", Resume).WithName("gateway.ResumeWebhook").WithSummary("Resume: everything collected meanwhile is sent, in order");
        webhooks.MapGet("/{id:guid}/deliveries", Deliveries).WithName("gateway.ListWebhookDeliveries").WithSummary("Deliveries with status, attempts and the last error, newest first");
        webhooks.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/replay", ReplayOne).WithName("gateway.ReplayWebhookDelivery").WithSummary("Send one delivery again");
        webhooks.MapPost("/{id:guid}/replay", ReplayFrom).WithName("gateway.ReplayWebhook").WithSummary("Send again every delivery created since an instant")
            .WithRequestExample(new { from = "2026-05-01T00:00:00+08:00" });
        return endpoints;
    }

    private static Ok<IReadOnlyList<EventTypeResponse>> EventTypes() =>
        TypedResults.Ok<IReadOnlyList<EventTypeResponse>>(WebhookEventTypes.All.Select(e => new EventTypeResponse(e.Type, e.Description)).ToList());

    private static async Task<Results<Created<NewSubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Subscribe(
        SubscribeRequest body, ITenantContext tenant, HttpContext http, GatewayDbContext db, IOptions<WebhookOptions> options, TimeProvider clock,
        WebhookInterest interest, WebhookBindings bindings, CancellationToken cancellationToken)
    {
        var errors = Validate(body, options.Value);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var now = clock.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(now), CountyId = tenant.CountyId!.Value, CountyCode = tenant.County!.Code,
            ClientId = http.User.ClientId() ?? Guid.Empty, Url = body.Url!.Trim(), Secret = WebhookSignature.NewSecret(),
            EventTypes = [.. body.EventTypes!.Distinct()], Description = body.Description?.Trim(), CreatedAt = now,
        };
        if (await BindAsync(bindings, subscription.EventTypes, cancellationToken) is { } unavailable)
        {
            return unavailable;
        }
        db.WebhookSubscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        await ChangedAsync(http, db, interest, bindings, subscription.CountyId, cancellationToken);
        http.Response.Headers.CacheControl = "no-store";
        ETags.Tag(http, subscription);
        return TypedResults.Created($"/api/gateway/counties/{subscription.CountyCode}/webhooks/{subscription.Id}",
            new NewSubscriptionResponse(subscription.Secret, Response(subscription, 0, 0)));
    }

    private static async Task<Results<Ok<Page<SubscriptionResponse>>, ValidationProblem>> List(
        string? status, int? page, int? pageSize, ITenantContext tenant, GatewayDbContext db, CancellationToken cancellationToken)
    {
        var query = db.WebhookSubscriptions.AsNoTracking().Where(s => s.CountyId == tenant.CountyId);
        return await PageAsync(db, query, status, page, pageSize, cancellationToken);
    }

    private static async Task<Results<Ok<Page<SubscriptionResponse>>, ValidationProblem>> AcrossCounties(
        string? status, int? page, int? pageSize, GatewayDbContext db, CancellationToken cancellationToken) =>
        await PageAsync(db, db.WebhookSubscriptions.AsNoTracking(), status, page, pageSize, cancellationToken);

    private static async Task<Results<Ok<Page<SubscriptionResponse>>, ValidationProblem>> PageAsync(
        GatewayDbContext db, IQueryable<WebhookSubscription> query, string? status, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (status is not (null or WebhookStatus.Active or WebhookStatus.Paused or WebhookStatus.Deleted))
        {
            errors.Add("status", "'status' must be one of active, paused, deleted.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        query = status is null ? query.Where(s => s.Status != WebhookStatus.Deleted) : query.Where(s => s.Status == status);
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var ids = items.Select(s => s.Id).ToList();
        var counts = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => ids.Contains(d.SubscriptionId) && d.Status != DeliveryStatus.Delivered)
            .GroupBy(d => new { d.SubscriptionId, d.Status })
            .Select(g => new { g.Key.SubscriptionId, g.Key.Status, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        long Count(Guid id, string s) => counts.FirstOrDefault(c => c.SubscriptionId == id && c.Status == s)?.Count ?? 0;
        return TypedResults.Ok(new Page<SubscriptionResponse>(
            items.Select(s => Response(s, Count(s.Id, DeliveryStatus.Pending), Count(s.Id, DeliveryStatus.Failed))).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Get(
        Guid id, ITenantContext tenant, GatewayDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, tenant, id, cancellationToken);
        if (subscription is null)
        {
            return NotFound(id);
        }
        ETags.Tag(http, subscription);
        return TypedResults.Ok(await ResponseAsync(db, subscription, cancellationToken));
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, SubscribeRequest body, ITenantContext tenant, GatewayDbContext db, IOptions<WebhookOptions> options, HttpContext http,
        WebhookInterest interest, WebhookBindings bindings, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, tenant, id, cancellationToken, tracked: true);
        if (subscription is null)
        {
            return NotFound(id);
        }
        var errors = Validate(body, options.Value);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (ETags.PreconditionFailed(http, subscription) is { } stale)
        {
            return stale;
        }
        if (subscription.Status == WebhookStatus.Deleted)
        {
            return Deleted();
        }
        List<string> eventTypes = [.. body.EventTypes!.Distinct()];
        if (await BindAsync(bindings, eventTypes, cancellationToken) is { } unavailable)
        {
            return unavailable;
        }
        subscription.Url = body.Url!.Trim();
        subscription.EventTypes = eventTypes;
        subscription.Description = body.Description?.Trim();
        await db.SaveChangesAsync(cancellationToken);
        await ChangedAsync(http, db, interest, bindings, subscription.CountyId, cancellationToken);
        ETags.Tag(http, subscription);
        return TypedResults.Ok(await ResponseAsync(db, subscription, cancellationToken));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, ITenantContext tenant, GatewayDbContext db, WebhookInterest interest, WebhookBindings bindings, HttpContext http, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, tenant, id, cancellationToken, tracked: true);
        if (subscription is null)
        {
            return NotFound(id);
        }
        if (ETags.PreconditionFailed(http, subscription) is { } stale)
        {
            return stale;
        }
        subscription.Status = WebhookStatus.Deleted;
        await db.SaveChangesAsync(cancellationToken);
        await ChangedAsync(http, db, interest, bindings, subscription.CountyId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Pause(
        Guid id, ITenantContext tenant, GatewayDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, tenant, id, cancellationToken, tracked: true);
        if (subscription is null)
        {
            return NotFound(id);
        }
        if (ETags.PreconditionFailed(http, subscription) is { } stale)
        {
            return stale;
        }
        if (subscription.Status == WebhookStatus.Deleted)
        {
            return Deleted();
        }
        if (subscription.Status == WebhookStatus.Active)
        {
            subscription.Status = WebhookStatus.Paused;
            subscription.PausedReason = "requested";
            subscription.PausedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, subscription);
        return TypedResults.Ok(await ResponseAsync(db, subscription, cancellationToken));
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Resume(
        Guid id, ITenantContext tenant, GatewayDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var subscription = await FindAsync(db, tenant, id, cancellationToken, tracked: true);
        if (subscription is null)
        {
            return NotFound(id);
        }
        if (ETags.PreconditionFailed(http, subscription) is { } stale)
        {
            return stale;
        }
        if (subscription.Status == WebhookStatus.Deleted)
        {
            return Deleted();
        }
        var now = clock.GetUtcNow();
        subscription.Status = WebhookStatus.Active;
        subscription.PausedReason = null;
        subscription.PausedAt = null;
        subscription.ConsecutiveFailures = 0;
        subscription.FailingSince = null;
        // What waited goes now, with a fresh retry window (the pause may have outlasted the one it had);
        // one SaveChanges, so the request's one transaction.
        var waiting = await db.WebhookDeliveries.Where(d => d.SubscriptionId == id && d.Status == DeliveryStatus.Pending).ToListAsync(cancellationToken);
        foreach (var delivery in waiting)
        {
            delivery.RetryAfresh(now);
        }
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, subscription);
        return TypedResults.Ok(await ResponseAsync(db, subscription, cancellationToken));
    }

    private static async Task<Results<Ok<Page<DeliveryResponse>>, ValidationProblem, ProblemHttpResult>> Deliveries(
        Guid id, string? status, string? eventType, int? page, int? pageSize, ITenantContext tenant, GatewayDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (status is not null && !DeliveryStatus.All.Contains(status))
        {
            errors.Add("status", $"'status' must be one of {string.Join(", ", DeliveryStatus.All)}.");
        }
        if (eventType is not null && !WebhookEventTypes.Names.Contains(eventType))
        {
            errors.Add("eventType", $"'eventType' must be one of {string.Join(", ", WebhookEventTypes.Names)}.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        if (await FindAsync(db, tenant, id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        query = status is null ? query : query.Where(d => d.Status == status);
        query = eventType is null ? query : query.Where(d => d.EventType == eventType);
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderByDescending(d => d.Sequence).Skip(paging.Skip).Take(paging.PageSize)
            .Select(d => new DeliveryResponse(d.Id, "msg_" + d.Id.ToString().Replace("-", ""), d.EventType, d.OrderingKey, d.Status, d.Attempts, d.CreatedAt,
                d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.LastAttemptAt, d.LastStatusCode, d.LastError, d.DeliveredAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<DeliveryResponse>(items, paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> ReplayOne(
        Guid id, Guid deliveryId, ITenantContext tenant, GatewayDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, tenant, id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken);
        if (delivery is null)
        {
            return Problems.ResourceNotFound("webhook_delivery", deliveryId);
        }
        Requeue(delivery, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new ReplayResponse(1));
    }

    private static async Task<Results<Ok<ReplayResponse>, ValidationProblem, ProblemHttpResult>> ReplayFrom(
        Guid id, ReplayRequest body, ITenantContext tenant, GatewayDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (body.From is not { } from)
        {
            return new ValidationErrors().Add("from", "'from' is required: the instant from which deliveries are sent again.").ToProblem();
        }
        if (await FindAsync(db, tenant, id, cancellationToken) is null)
        {
            return NotFound(id);
        }
        var now = clock.GetUtcNow();
        var deliveries = await db.WebhookDeliveries.Where(d => d.SubscriptionId == id && d.CreatedAt >= from && d.Status != DeliveryStatus.Pending)
            .ToListAsync(cancellationToken);
        foreach (var delivery in deliveries)
        {
            Requeue(delivery, now);
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new ReplayResponse(deliveries.Count));
    }

    /// <summary>A replay is the same message again (same webhook-id), with a fresh retry window.</summary>
    private static void Requeue(WebhookDelivery delivery, DateTimeOffset now)
    {
        delivery.Status = DeliveryStatus.Pending;
        delivery.LeaseUntil = null;
        delivery.RetryAfresh(now);
    }

    private static ValidationErrors Validate(SubscribeRequest body, WebhookOptions options)
    {
        var errors = new ValidationErrors();
        if (errors.RequireText("url", body.Url, maxLength: 2000))
        {
            if (!Uri.TryCreate(body.Url!.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                errors.Add("url", "'url' must be an absolute http or https URL.");
            }
            else if (!options.AllowPrivateTargets && WebhookTargets.IsPrivateLiteral(url))
            {
                // A host name is checked when each delivery connects (WebhookTargets).
                errors.Add("url", "'url' must be reachable from the internet: loopback and private addresses are refused.");
            }
        }
        if (body.EventTypes is not { Count: > 0 })
        {
            errors.Add("eventTypes", "'eventTypes' must name at least one event type.");
        }
        else if (errors.RequireEntries("eventTypes", body.EventTypes) && body.EventTypes.FirstOrDefault(t => !WebhookEventTypes.Names.Contains(t)) is { } unknown)
        {
            errors.Add("eventTypes", $"'{unknown}' is not an event type; use {string.Join(", ", WebhookEventTypes.Names)}.");
        }
        errors.OptionalText("description", body.Description, maxLength: 200);
        return errors;
    }

    private static Task<WebhookSubscription?> FindAsync(GatewayDbContext db, ITenantContext tenant, Guid id, CancellationToken cancellationToken, bool tracked = false)
    {
        var query = tracked ? db.WebhookSubscriptions : db.WebhookSubscriptions.AsNoTracking();
        return query.FirstOrDefaultAsync(s => s.Id == id && s.CountyId == tenant.CountyId, cancellationToken);
    }

    private static async Task<SubscriptionResponse> ResponseAsync(GatewayDbContext db, WebhookSubscription subscription, CancellationToken cancellationToken)
    {
        var counts = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.SubscriptionId == subscription.Id && d.Status != DeliveryStatus.Delivered)
            .GroupBy(d => d.Status).Select(g => new { Status = g.Key, Count = g.LongCount() }).ToListAsync(cancellationToken);
        return Response(subscription,
            counts.FirstOrDefault(c => c.Status == DeliveryStatus.Pending)?.Count ?? 0,
            counts.FirstOrDefault(c => c.Status == DeliveryStatus.Failed)?.Count ?? 0);
    }

    private static SubscriptionResponse Response(WebhookSubscription s, long pending, long failed) => new(
        s.Id, s.CountyCode, s.Url, s.EventTypes, s.Description, s.Status, s.PausedReason, s.PausedAt, s.ConsecutiveFailures, s.FailingSince,
        s.LastSuccessAt, s.LastFailureAt, pending, failed, s.CreatedAt, s.Version);

    /// <summary>
    /// Binds the queues of the event types a subscription is about to want, before it is saved, so
    /// that no event it wants passes the gateway by; 503 when the broker cannot be reached (nothing saved).
    /// </summary>
    private static async Task<ProblemHttpResult?> BindAsync(WebhookBindings bindings, IEnumerable<string> eventTypes, CancellationToken cancellationToken)
    {
        try
        {
            await bindings.BindQueuesAsync(eventTypes, cancellationToken);
            return null;
        }
        catch (MessagingUnavailableException)
        {
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.MessagingUnavailable, "Service unavailable",
                "The message broker cannot be reached, so the subscription would receive nothing; nothing was saved. Retry shortly.");
        }
    }

    /// <summary>
    /// A subscription was saved: this instance reads the county's subscriptions again before its next
    /// event, and the queues of types no subscription wants any more are unbound, both once the change
    /// is committed (or they would read the subscriptions without it, and unbind the type it was just
    /// bound for).
    /// </summary>
    private static Task ChangedAsync(
        HttpContext http, GatewayDbContext db, WebhookInterest interest, WebhookBindings bindings, Guid countyId, CancellationToken cancellationToken) =>
        http.RunAfterCommitAsync(db, async token =>
        {
            interest.Changed(countyId);
            await bindings.TryReconcileAsync(token);
        }, cancellationToken);

    private static ProblemHttpResult NotFound(Guid id) => Problems.ResourceNotFound("webhook", id);

    private static ProblemHttpResult Deleted() => Problems.Conflict("webhook_deleted", "The subscription was deleted; subscribe again instead.");
}
