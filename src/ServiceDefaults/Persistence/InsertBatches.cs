using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Update;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Update.Internal;

namespace Platform.ServiceDefaults.Persistence;

// The provider's batch and its factory are the provider's "internal" API (EF1001): this is the one
// place that extends them, and the persistence tests cover what it changes.
#pragma warning disable EF1001

/// <summary>
/// Saves that only insert go to PostgreSQL in one round trip, without <c>BEGIN</c> and <c>COMMIT</c>
/// around them. EF Core wraps a save of several commands in a transaction because a batch is not
/// atomic on every database; on PostgreSQL it is: Npgsql sends the batch's statements with one
/// <c>Sync</c>, so they run as one implicit transaction, and a statement that fails rolls back the
/// ones before it and skips the rest. A save that updates or deletes still gets its transaction: a
/// row changed meanwhile shows only as a count of zero, which is no error to PostgreSQL, so the
/// rollback must come from the client. A save that needs several batches gets one too (EF Core
/// begins it when more batches are expected), and so does any save inside an explicit transaction.
/// </summary>
internal sealed class InsertBatchFactory(ModificationCommandBatchFactoryDependencies dependencies, IDbContextOptions options)
    : NpgsqlModificationCommandBatchFactory(dependencies, options)
{
    private const int DefaultMaxBatchSize = 1000;

    private readonly ModificationCommandBatchFactoryDependencies dependencies = dependencies;

    private readonly int maxBatchSize = options.FindExtension<NpgsqlOptionsExtension>()?.MaxBatchSize ?? DefaultMaxBatchSize;

    public override ModificationCommandBatch Create() => new InsertBatch(dependencies, maxBatchSize);

    private sealed class InsertBatch(ModificationCommandBatchFactoryDependencies dependencies, int maxBatchSize)
        : NpgsqlModificationCommandBatch(dependencies, maxBatchSize)
    {
        public override bool RequiresTransaction => base.RequiresTransaction && !InsertsOnly();

        private bool InsertsOnly()
        {
            foreach (var command in ModificationCommands)
            {
                if (command.EntityState != EntityState.Added)
                {
                    return false;
                }
            }
            return true;
        }
    }
}
