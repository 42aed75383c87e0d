using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Telemetry;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.ServiceDefaults.Messaging.Inbox;

/// <summary>
/// Base of every consumer whose effect lands in the service's database. The message id is recorded
/// in the inbox in the same transaction as the effect (and any events the handler publishes through
/// the outbox), so a redelivered message has no second effect; a crash before the commit leaves
/// nothing, and the redelivery does the work once. The scope acts for the message's county, so
/// row-level security applies to the handler's writes.
/// </summary>
public abstract class InboxConsumer<TMessage, TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger logger)
    : IConsumer<TMessage>
    where TMessage : class
    where TContext : ServiceDbContext
{
    protected TContext Db { get; } = db;

    /// <summary>The inbox key of this consumer: the same message may be handled once by each consumer.</summary>
    protected virtual string ConsumerName => GetType().FullName!;

    public async Task Consume(ConsumeContext<TMessage> context)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException($"{typeof(TMessage).Name} arrived without a message id; the inbox cannot deduplicate it.");
        var cancellationToken = context.CancellationToken;
        if (context.Message is ICountyMessage countyMessage)
        {
            if (countyMessage.CountyId == Guid.Empty)
            {
                // It could only be written under no county at all: refuse it (it ends in the error queue, visible to ops).
                throw new InvalidOperationException($"{typeof(TMessage).Name} {messageId} names no county.");
            }
            tenant.Set(countyMessage.CountyId);
        }
        if (!await IsWantedAsync(context.Message, cancellationToken))
        {
            return;
        }

        // The whole attempt is one transaction that rolls back as a unit: savepoints around
        // SaveChanges would only cost a round trip each.
        Db.Database.AutoSavepointsEnabled = false;
        try
        {
            await using var transaction = await Db.Database.BeginTransactionAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var first = await Db.Database.ExecuteSqlAsync(
                $"INSERT INTO inbox_messages (message_id, consumer, received_at) VALUES ({messageId}, {ConsumerName}, {now}) ON CONFLICT DO NOTHING",
                cancellationToken) == 1;
            if (!first)
            {
                PlatformTelemetry.InboxDuplicates.Add(1, new KeyValuePair<string, object?>("consumer", ConsumerName));
                InboxLog.Duplicate(logger, messageId, ConsumerName);
                return;
            }

            await HandleAsync(context.Message, context);
            await Db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            // A retry may run in this same scope: it must not save what the failed attempt tracked.
            Db.ChangeTracker.Clear();
            throw;
        }
    }

    /// <summary>
    /// Whether the message has an effect here at all; one that has none is passed over without a
    /// transaction or an inbox row (a redelivery asks again).
    /// </summary>
    protected virtual ValueTask<bool> IsWantedAsync(TMessage message, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>The effect: change the context (and publish through <c>Db.Outbox</c>); the base saves and commits.</summary>
    protected abstract Task HandleAsync(TMessage message, ConsumeContext<TMessage> context);
}

internal static partial class InboxLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} was already processed by {Consumer}; skipped")]
    public static partial void Duplicate(ILogger logger, Guid messageId, string consumer);
}
