using System.Reflection;

namespace Platform.ServiceDefaults.Messaging;

/// <summary>Messaging settings (configuration section <c>Messaging</c>).</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>Messages each consumer endpoint takes from the broker ahead of processing.</summary>
    public int PrefetchCount { get; set; } = 64;

    /// <summary>Redelivery attempts (with growing pauses) before a message goes to the error queue.</summary>
    public int RetryLimit { get; set; } = 4;

    public OutboxOptions Outbox { get; set; } = new();

    public InboxOptions Inbox { get; set; } = new();
}

public sealed class OutboxOptions
{
    /// <summary>Whether this instance relays (a deployment may keep the relay on some replicas only).</summary>
    public bool RelayEnabled { get; set; } = true;

    /// <summary>Rows taken per relay transaction; all of them are in flight to the broker at once.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Fallback look for due rows when no commit signal arrived (another replica's rows, retries).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause before retrying a failed publish.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Assemblies holding message contracts besides Platform.Contracts.</summary>
    public List<Assembly> ContractAssemblies { get; } = [];
}

public sealed class InboxOptions
{
    /// <summary>How long processed message ids are kept; redeliveries older than this are not expected.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}
