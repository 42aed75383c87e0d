using System.Diagnostics;
using System.Text.Json;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Messaging.Outbox;

/// <summary>
/// Adds an event to the outbox of the given context: it is saved with the context's other changes,
/// in the same transaction, and published by <see cref="OutboxRelay{TContext}"/> after the commit.
/// </summary>
public readonly struct OutboxWriter(ServiceDbContext context, TimeProvider clock)
{
    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web);

    public OutboxMessage Publish<TMessage>(TMessage message) where TMessage : class
    {
        if (message is ICountyMessage { CountyId: var county } && county == Guid.Empty)
        {
            throw new InvalidOperationException($"{typeof(TMessage).Name} names no county: build it after the record has its county.");
        }
        var now = clock.GetUtcNow();
        var row = new OutboxMessage
        {
            MessageId = Guid.CreateVersion7(now),
            CountyId = (message as ICountyMessage)?.CountyId,
            MessageType = typeof(TMessage).FullName!,
            Body = JsonSerializer.Serialize(message, SerializerOptions),
            CreatedAt = now,
            TraceParent = Activity.Current?.IdFormat == ActivityIdFormat.W3C ? Activity.Current.Id : null,
            NextAttemptAt = now,
        };
        context.OutboxMessages.Add(row);
        return row;
    }
}
