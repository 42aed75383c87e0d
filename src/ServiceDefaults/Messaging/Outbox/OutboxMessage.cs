namespace Platform.ServiceDefaults.Messaging.Outbox;

/// <summary>
/// An event waiting to be published, written in the same transaction as the change it reports.
/// The relay deletes the row once the broker has confirmed the publish.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; init; }

    /// <summary>The MassTransit message id: consumers' inboxes deduplicate on it.</summary>
    public Guid MessageId { get; init; }

    public Guid? CountyId { get; init; }

    /// <summary>Full CLR name of the contract, e.g. Platform.Contracts.Registry.CountyRegistered.</summary>
    public required string MessageType { get; init; }

    public required string Body { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The W3C traceparent of the change that wrote it: the publish joins that trace, so one trace runs from the request to every consumer.</summary>
    public string? TraceParent { get; init; }

    public int Attempts { get; set; }

    /// <summary>Not published before this instant: now for a new row, later after a failed attempt.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public string? LastError { get; set; }
}
