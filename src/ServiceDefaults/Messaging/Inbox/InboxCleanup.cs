using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Messaging.Inbox;

/// <summary>Deletes inbox rows older than the retention, in small batches so it never holds long locks.</summary>
public sealed partial class InboxCleanup<TContext>(
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<InboxCleanup<TContext>> logger) : BackgroundService
    where TContext : ServiceDbContext
{
    private const int BatchSize = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inbox = options.Value.Inbox;
        using var timer = new PeriodicTimer(inbox.CleanupInterval, clock);
        try
        {
            do
            {
                try
                {
                    var removed = await CleanupAsync(stoppingToken);
                    if (removed > 0)
                    {
                        LogRemoved(logger, removed);
                    }
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(logger, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Removes every row past the retention; returns how many.</summary>
    public async Task<int> CleanupAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.Inbox.Retention;
        var total = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            var removed = await db.Database.ExecuteSqlAsync(
                $"DELETE FROM inbox_messages WHERE ctid IN (SELECT ctid FROM inbox_messages WHERE received_at < {cutoff} LIMIT {BatchSize})",
                cancellationToken);
            total += removed;
            if (removed < BatchSize)
            {
                return total;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox cleanup removed {Count} processed message ids")]
    private static partial void LogRemoved(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox cleanup failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
