namespace Platform.Gateway.Webhooks;

/// <summary>Configuration section <c>Webhooks</c> (docs/gateway/webhooks.md).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>The delay before the first retry; each further one doubles it (with a little jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a delivery is retried before it is marked failed (still replayable).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(26);

    /// <summary>A subscription failing this long, with at least <see cref="PauseAfterFailures"/> failed attempts in a row, is paused.</summary>
    public TimeSpan PauseAfter { get; set; } = TimeSpan.FromDays(3);

    public int PauseAfterFailures { get; set; } = 20;

    /// <summary>
    /// A new delivery waits this long before it is sent, so that an earlier event of the same request
    /// arriving a moment later over another queue still goes first.
    /// </summary>
    public TimeSpan OrderingDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public int BatchSize { get; set; } = 64;

    public int MaxParallelSends { get; set; } = 16;

    /// <summary>What <see cref="BatchLease"/> adds to the sends: recording their outcomes, and replicas' clocks differing a little.</summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a sending pass holds its batch: the sends go <see cref="MaxParallelSends"/> at a time,
    /// each may take <see cref="RequestTimeout"/>, and the outcomes are recorded after the last. A
    /// shorter lease would let another replica take deliveries already answered but not yet recorded,
    /// and send them twice.
    /// </summary>
    public TimeSpan BatchLease()
    {
        var rounds = MaxParallelSends > 0 ? (Math.Max(1, BatchSize) + MaxParallelSends - 1) / MaxParallelSends : 1;
        return RequestTimeout * rounds + LeaseMargin;
    }

    /// <summary>How long a delivered or failed delivery is kept: listed, and replayable with <c>replay</c> from an instant; then deleted. Pending ones are kept until they end.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often deliveries past <see cref="DeliveryRetention"/> are deleted (at start, then every interval).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Allow webhooks to loopback and private addresses, when subscribing and when connecting (local development and tests only).</summary>
    public bool AllowPrivateTargets { get; set; }
}
