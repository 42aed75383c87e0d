using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Messaging.Outbox;

/// <summary>
/// Wakes the relay when outbox rows become visible: after a save outside an explicit transaction,
/// or when the explicit transaction commits. The relay's fallback poll covers anything missed.
/// </summary>
internal sealed class OutboxCommitInterceptor(OutboxSignal signal) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Track(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Track(eventData.Context);
        return result;
    }

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

    private static void Track(DbContext? context)
    {
        if (context is ServiceDbContext service &&
            service.ChangeTracker.Entries<OutboxMessage>().Any(entry => entry.State == EntityState.Added))
        {
            service.HasUnsignalledOutboxMessages = true;
        }
    }

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
