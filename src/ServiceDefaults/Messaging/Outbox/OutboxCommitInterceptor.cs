using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Messaging.Outbox;

/// <summary>
/// Wakes the relay when outbox rows become visible: after a save outside an explicit transaction,
/// or when the explicit transaction commits. The context notes new outbox rows as it saves
/// (<see cref="ServiceDbContext.HasUnsignalledOutboxMessages"/>); the relay's fallback poll covers anything missed.
/// </summary>
internal sealed class OutboxCommitInterceptor(OutboxSignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        SignalIfCommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        SignalIfCommitted(eventData.Context);
        return result;
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Signal(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Signal(eventData.Context);

    private void SignalIfCommitted(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            Signal(context);
        }
    }

    private void Signal(DbContext? context)
    {
        if (context is ServiceDbContext { HasUnsignalledOutboxMessages: true } service)
        {
            service.HasUnsignalledOutboxMessages = false;
            signal.Notify();
        }
    }
}
