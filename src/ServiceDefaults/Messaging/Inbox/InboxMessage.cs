namespace Platform.ServiceDefaults.Messaging.Inbox;

/// <summary>A message a consumer has processed, recorded in the same transaction as its effect.</summary>
public sealed class InboxMessage
{
    public Guid MessageId { get; init; }

    public required string Consumer { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }
}
