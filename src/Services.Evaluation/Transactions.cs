namespace Platform.Evaluation;

public static class Transactions
{
    /// <summary>
    /// Runs the work in the request's transaction when one is open (the idempotency middleware opens
    /// one for a POST with an Idempotency-Key), else in a transaction of its own committed at the end:
    /// ledger writes and closing hold a lock for the transaction's length.
    /// </summary>
    public static async Task InTransactionAsync(this EvaluationDbContext db, Func<Task> work, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            await work();
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await work();
        await transaction.CommitAsync(cancellationToken);
    }
}
