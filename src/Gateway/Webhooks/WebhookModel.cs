using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Gateway.Webhooks;

/// <summary>An integrator's subscription to a county's events, delivered to its URL signed with its secret.</summary>
public sealed class WebhookSubscription : IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; init; }

    public required string CountyCode { get; init; }

    /// <summary>The client that created it.</summary>
    public Guid ClientId { get; init; }

    public required string Url { get; set; }

    /// <summary>
    /// The signing secret (<c>whsec_</c> + base64 of 32 random bytes), shown once at creation. Kept
    /// as is because every delivery is signed with it.
    /// </summary>
    public required string Secret { get; init; }

    public List<string> EventTypes { get; set; } = [];

    public string? Description { get; set; }

    /// <summary>active, paused (by its owner, or by the gateway after it kept failing) or deleted.</summary>
    public string Status { get; set; } = WebhookStatus.Active;

    /// <summary>Why it is paused: requested, or failing (with the last error).</summary>
    public string? PausedReason { get; set; }

    public DateTimeOffset? PausedAt { get; set; }

    /// <summary>Failed attempts since the last success; reset by a success or a resume.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>When the current run of failures began.</summary>
    public DateTimeOffset? FailingSince { get; set; }

    public DateTimeOffset? LastSuccessAt { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public int Version { get; set; }
}

public static class WebhookStatus
{
    public const string Active = "active";
    public const string Paused = "paused";
    public const string Deleted = "deleted";
}

/// <summary>
/// One event for one subscription: written from the event in the same transaction as the inbox
/// row, then sent by <see cref="WebhookSender"/> until the receiver answers 2xx or the retry window
/// ends. Deliveries of one request go out in the request's order (<see cref="Position"/>): a later
/// one waits while an earlier one is still pending.
/// </summary>
public sealed class WebhookDelivery
{
    /// <summary>The <c>webhook-id</c>: the same for every attempt and replay, so receivers can drop duplicates.</summary>
    public Guid Id { get; init; }

    /// <summary>Arrival order, the tie-break after <see cref="Position"/>.</summary>
    public long Sequence { get; init; }

    public Guid SubscriptionId { get; init; }

    public Guid CountyId { get; init; }

    /// <summary>The event's message id: one delivery per event and subscription.</summary>
    public Guid MessageId { get; init; }

    public required string EventType { get; init; }

    /// <summary>What orders deliveries: the request (or whistle) the event is about.</summary>
    public Guid? OrderingKey { get; init; }

    /// <summary>The event's place among that request's events: its version × 100 plus the event's rank within one change.</summary>
    public long Position { get; init; }

    /// <summary>The body sent: <c>{"type", "timestamp", "data"}</c>.</summary>
    public required string Payload { get; init; }

    /// <summary>pending, delivered or failed (the retry window ended; replayable).</summary>
    public string Status { get; set; } = DeliveryStatus.Pending;

    public int Attempts { get; set; }

    /// <summary>When the event arrived: shown, and what the ordering delay counts from; a replay keeps it.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>When its retry window began: its arrival, or its latest replay or resume.</summary>
    public DateTimeOffset RetryFrom { get; set; }

    /// <summary>Failed attempts since <see cref="RetryFrom"/>; the backoff grows with these (<see cref="Attempts"/> counts them all).</summary>
    public int RetryAttempts { get; set; }

    /// <summary>A sender has it in flight until then; another replica leaves it alone.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>
    /// Sends it from now with a fresh retry window and backoff, as a replay or a resume does: sent
    /// again long after its event, it would otherwise fail at its first refusal. Its arrival and its
    /// place among its request's deliveries stay.
    /// </summary>
    public void RetryAfresh(DateTimeOffset now)
    {
        NextAttemptAt = now;
        RetryFrom = now;
        RetryAttempts = 0;
    }
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, Failed];
}

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<WebhookSubscription>, IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> subscription)
    {
        subscription.ToTable("webhook_subscriptions");
        subscription.HasKey(s => s.Id);
        subscription.Property(s => s.Id).ValueGeneratedNever();
        subscription.Property(s => s.CountyCode).HasMaxLength(12);
        subscription.Property(s => s.Url).HasMaxLength(2000);
        subscription.Property(s => s.Secret).HasMaxLength(100);
        subscription.Property(s => s.EventTypes).HasColumnType("text[]");
        subscription.Property(s => s.Description).HasMaxLength(200);
        subscription.Property(s => s.Status).HasMaxLength(16);
        subscription.Property(s => s.PausedReason).HasMaxLength(500);
        subscription.HasIndex(s => new { s.CountyId, s.Status });
    }

    public void Configure(EntityTypeBuilder<WebhookDelivery> delivery)
    {
        delivery.ToTable("webhook_deliveries");
        delivery.HasKey(d => d.Id);
        delivery.Property(d => d.Id).ValueGeneratedNever();
        delivery.Property(d => d.Sequence).UseIdentityAlwaysColumn();
        delivery.Property(d => d.EventType).HasMaxLength(64);
        delivery.Property(d => d.Payload).HasColumnType("jsonb");
        delivery.Property(d => d.Status).HasMaxLength(16);
        delivery.Property(d => d.LastError).HasMaxLength(500);
        delivery.HasIndex(d => new { d.SubscriptionId, d.MessageId }).IsUnique();
        // The sender's scan (due pending rows) and the order check (earlier pending rows of the same request).
        delivery.HasIndex(d => new { d.Status, d.NextAttemptAt }).HasFilter("status = 'pending'").HasDatabaseName("ix_webhook_deliveries_due");
        delivery.HasIndex(d => new { d.SubscriptionId, d.OrderingKey, d.Position }).HasFilter("status = 'pending'").HasDatabaseName("ix_webhook_deliveries_order");
        delivery.HasIndex(d => new { d.SubscriptionId, d.Sequence });
        // The dashboard's count of deliveries that ended failed lately (few, so a small index).
        delivery.HasIndex(d => d.LastAttemptAt).HasFilter("status = 'failed'").HasDatabaseName("ix_webhook_deliveries_failed");
        delivery.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}
