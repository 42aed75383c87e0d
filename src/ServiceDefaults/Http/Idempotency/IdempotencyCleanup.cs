using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Http.Idempotency;

/// <summary>Deletes the stored answers of idempotency keys past their expiry (<c>Idempotency</c>).</summary>
public sealed class IdempotencyCleanup<TContext>(
    IServiceScopeFactory scopes,
    IOptions<IdempotencyOptions> options,
    TimeProvider clock,
    ILogger<IdempotencyCleanup<TContext>> logger) : Purge<TContext>(scopes, clock, logger)
    where TContext : ServiceDbContext
{
    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override string Rows => "idempotency records";

    protected override Task<int> DeleteBatchAsync(TContext db, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $"DELETE FROM idempotency_records WHERE ctid IN (SELECT ctid FROM idempotency_records WHERE expires_at < {now} LIMIT {BatchSize})",
            cancellationToken);
}
