using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Contracts.Dispatch;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway.Webhooks;

/// <summary>The events integrators can subscribe to, by their webhook type, in the order one change publishes them.</summary>
public static class WebhookEventTypes
{
    public static readonly IReadOnlyList<WebhookEventType> All =
    [
        new("request.placed", WebhookRoute.Of<RequestPlaced, RequestPlacedWebhooks>(), "A resident's request was placed (点单)."),
        new("request.dispatched", WebhookRoute.Of<RequestDispatched, RequestDispatchedWebhooks>(), "The community dispatched it (派单) to a member, a unit or the pool, or answered it."),
        new("request.claimed", WebhookRoute.Of<RequestClaimed, RequestClaimedWebhooks>(), "A member or unit claimed or accepted it (接单/领单)."),
        new("request.released", WebhookRoute.Of<RequestReleased, RequestReleasedWebhooks>(), "A holder handed it back or declined it, or a claim expired."),
        new("request.extended", WebhookRoute.Of<RequestExtended, RequestExtendedWebhooks>(), "An extension of its completion deadline was approved."),
        new("request.completed", WebhookRoute.Of<RequestCompleted, RequestCompletedWebhooks>(), "The work was finished (办结)."),
        new("request.rated", WebhookRoute.Of<RequestRated, RequestRatedWebhooks>(), "The resident rated the result (评单)."),
        new("request.reopened", WebhookRoute.Of<RequestReopened, RequestReopenedWebhooks>(), "It went back to work: dissatisfied, or not fixed."),
        new("request.deadline_approaching", WebhookRoute.Of<RequestDeadlineApproaching, RequestDeadlineApproachingWebhooks>(), "A deadline is near."),
        new("request.overdue", WebhookRoute.Of<RequestOverdue, RequestOverdueWebhooks>(), "A deadline passed unmet."),
        new("request.escalated", WebhookRoute.Of<RequestEscalated, RequestEscalatedWebhooks>(), "It climbed one level (grid → community → street → county)."),
        new("request.cancelled", WebhookRoute.Of<RequestCancelled, RequestCancelledWebhooks>(), "It was withdrawn before work began."),
        new("whistle.changed", WebhookRoute.Of<WhistleChanged, WhistleChangedWebhooks>(), "A whistle was blown, acknowledged or reported (吹哨报到), or a limit passed."),
        new("activity.rescheduled", WebhookRoute.Of<ActivityRescheduled, ActivityRescheduledWebhooks>(),
            "An activity's times changed, set by staff or moved by the county's rules; its sign-ups stand (the members are named)."),
        new("activity.cancelled", WebhookRoute.Of<ActivityCancelled, ActivityCancelledWebhooks>(),
            "An activity was cancelled: it will not be held (the members signed up are named)."),
        new("activity.completed", WebhookRoute.Of<ActivityCompleted, ActivityCompletedWebhooks>(),
            "An activity was completed: how many members attended and the service minutes they gave."),
        new("attendance.recorded", WebhookRoute.Of<AttendanceRecorded, AttendanceRecordedWebhooks>(),
            "A member checked in or out at an activity (with the service minutes earned), or their outcome was recorded (到场/服务成效)."),
    ];

    public static readonly IReadOnlyList<string> Names = All.Select(e => e.Type).ToList();

    /// <summary>Rank within one change, e.g. dispatched before the escalation it triggers.</summary>
    public static int Rank(string type) => ((List<string>)Names).IndexOf(type);

    /// <summary>The webhook type of one of Dispatch's events.</summary>
    public static string Of<TMessage>() => All.Single(e => e.Route.Message == typeof(TMessage)).Type;
}

/// <param name="Type">The name integrators subscribe to.</param>
/// <param name="Route">The event it is made from and the consumer that makes it.</param>
public sealed record WebhookEventType(string Type, WebhookRoute Route, string Description);

/// <summary>
/// An event's way to the gateway: its message type, whose exchange MassTransit publishes it to, and
/// the consumer whose queue receives it while a subscription wants it (<see cref="WebhookBindings"/>).
/// </summary>
public sealed class WebhookRoute
{
    private WebhookRoute(Type message, Func<IBusTopology, MassTransit.RabbitMqTransport.Topology.Exchange> exchange,
        Func<IEndpointNameFormatter, string> queue, Action<IBusRegistrationConfigurator> register)
    {
        Message = message;
        Exchange = exchange;
        Queue = queue;
        Register = register;
    }

    public Type Message { get; }

    /// <summary>The exchange the event is published to, as the bus declares it.</summary>
    public Func<IBusTopology, MassTransit.RabbitMqTransport.Topology.Exchange> Exchange { get; }

    /// <summary>The consumer's queue; its exchange has the same name.</summary>
    public Func<IEndpointNameFormatter, string> Queue { get; }

    /// <summary>Adds the consumer with a queue bound to nothing: <see cref="WebhookBindings"/> binds it.</summary>
    public Action<IBusRegistrationConfigurator> Register { get; }

    public static WebhookRoute Of<TMessage, TConsumer>()
        where TMessage : class
        where TConsumer : class, IConsumer<TMessage> =>
        new(typeof(TMessage),
            topology => ((IRabbitMqPublishTopology)topology.PublishTopology).GetMessageTopology<TMessage>().Exchange,
            names => names.Consumer<TConsumer>(),
            bus => bus.AddConsumer<TConsumer>().Endpoint(endpoint => endpoint.ConfigureConsumeTopology = false));
}

/// <summary>
/// Turns one of Dispatch's events into a delivery for every subscription of its county that wants
/// it, in the same transaction as the inbox row: an event is never lost and never delivered twice
/// to one subscription. Paused subscriptions still collect deliveries (sent once resumed).
/// </summary>
public abstract class WebhookEventConsumer<TMessage>(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger logger, WebhookInterest interest)
    : InboxConsumer<TMessage, GatewayDbContext>(db, tenant, clock, logger)
    where TMessage : class, ICountyMessage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly string EventType = WebhookEventTypes.Of<TMessage>();

    /// <summary>What the event is about and its place in that thing's history (a request's version).</summary>
    protected abstract (Guid Key, int Version) Subject(TMessage message);

    /// <summary>An event no subscription of its county wants is passed over without a transaction: there is nothing to deliver.</summary>
    protected override ValueTask<bool> IsWantedAsync(TMessage message, CancellationToken cancellationToken) =>
        interest.IsWantedAsync(Db, message.CountyId, EventType, cancellationToken);

    protected override async Task HandleAsync(TMessage message, ConsumeContext<TMessage> context)
    {
        var type = EventType;
        var subscriptions = await Db.WebhookSubscriptions.AsNoTracking()
            .Where(s => s.CountyId == message.CountyId && s.Status != WebhookStatus.Deleted && s.EventTypes.Contains(type))
            .Select(s => new { s.Id, s.CountyCode })
            .ToListAsync(context.CancellationToken);
        if (subscriptions.Count == 0)
        {
            return;
        }
        var now = _clock.GetUtcNow();
        var (key, version) = Subject(message);
        var data = JsonSerializer.SerializeToNode(message, Json)!.AsObject();
        data["county"] = subscriptions[0].CountyCode;
        var payload = new System.Text.Json.Nodes.JsonObject
        {
            ["type"] = type,
            ["timestamp"] = (context.SentTime is { } sent ? new DateTimeOffset(sent, TimeSpan.Zero) : now).ToString("O"),
            ["data"] = data,
        }.ToJsonString();
        foreach (var subscription in subscriptions)
        {
            Db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = Guid.CreateVersion7(now),
                SubscriptionId = subscription.Id,
                CountyId = message.CountyId,
                MessageId = context.MessageId!.Value,
                EventType = type,
                OrderingKey = key,
                Position = version * 100L + WebhookEventTypes.Rank(type),
                Payload = payload,
                CreatedAt = now,
                NextAttemptAt = now,
                RetryFrom = now,
            });
        }
    }

    private readonly TimeProvider _clock = clock;
}

public sealed class RequestPlacedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestPlacedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestPlaced>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestPlaced m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestDispatchedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestDispatchedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestDispatched>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestDispatched m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestClaimedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestClaimedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestClaimed>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestClaimed m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestReleasedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestReleasedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestReleased>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestReleased m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestExtendedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestExtendedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestExtended>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestExtended m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestCompletedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestCompletedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestCompleted>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestCompleted m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestRatedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestRatedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestRated>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestRated m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestReopenedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestReopenedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestReopened>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestReopened m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestDeadlineApproachingWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestDeadlineApproachingWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestDeadlineApproaching>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestDeadlineApproaching m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestOverdueWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestOverdueWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestOverdue>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestOverdue m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestEscalatedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestEscalatedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestEscalated>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestEscalated m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class RequestCancelledWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<RequestCancelledWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<RequestCancelled>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(RequestCancelled m) => (m.Request.RequestId, m.Request.Version);
}

public sealed class WhistleChangedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<WhistleChangedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<WhistleChanged>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(WhistleChanged m) => (m.WhistleId, m.Version);
}

public sealed class ActivityRescheduledWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<ActivityRescheduledWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<ActivityRescheduled>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(ActivityRescheduled m) => (m.ActivityId, m.Version);
}

public sealed class ActivityCancelledWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<ActivityCancelledWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<ActivityCancelled>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(ActivityCancelled m) => (m.ActivityId, m.Version);
}

public sealed class ActivityCompletedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<ActivityCompletedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<ActivityCompleted>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(ActivityCompleted m) => (m.ActivityId, m.Version);
}

public sealed class AttendanceRecordedWebhooks(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<AttendanceRecordedWebhooks> logger, WebhookInterest interest)
    : WebhookEventConsumer<AttendanceRecorded>(db, tenant, clock, logger, interest)
{
    protected override (Guid, int) Subject(AttendanceRecorded m) => (m.AttendanceId, m.Version);
}

public static class WebhookConsumers
{
    /// <summary>One consumer per event type, each on its own queue, bound while a subscription wants the type.</summary>
    public static void AddWebhookConsumers(this IBusRegistrationConfigurator bus)
    {
        foreach (var eventType in WebhookEventTypes.All)
        {
            eventType.Route.Register(bus);
        }
    }
}
