using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Messaging.Inbox;

/// <summary>Deletes the ids of messages processed longer ago than the inbox's retention (<c>Messaging:Inbox</c>).</summary>
public sealed class InboxCleanup<TContext>(
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<InboxCleanup<TContext>> logger) : Purge<TContext>(scopes, clock, logger)
    where TContext : ServiceDbContext
{
    protected override TimeSpan Interval => options.Value.Inbox.CleanupInterval;

    protected override string Rows => "processed message ids";

    protected override Task<int> DeleteBatchAsync(TContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - options.Value.Inbox.Retention;
        return db.Database.ExecuteSqlAsync(
            $"DELETE FROM inbox_messages WHERE ctid IN (SELECT ctid FROM inbox_messages WHERE received_at < {cutoff} LIMIT {BatchSize})",
            cancellationToken);
    }
}
