using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Deletes the rows of one table that are past their time, once at start and then every interval, a
/// batch at a time so that it never holds long locks and each batch commits on its own. A failed
/// pass is logged and the next interval tries again: what it missed is still past its time then.
/// </summary>
public abstract partial class Purge<TContext>(IServiceScopeFactory scopes, TimeProvider clock, ILogger logger) : BackgroundService
    where TContext : ServiceDbContext
{
    /// <summary>Rows deleted by one statement at most.</summary>
    protected const int BatchSize = 5_000;

    /// <summary>How long between passes.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>What the rows are, for the log ("processed message ids").</summary>
    protected abstract string Rows { get; }

    /// <summary>Deletes at most <see cref="BatchSize"/> rows past their time at <paramref name="now"/>; returns how many.</summary>
    protected abstract Task<int> DeleteBatchAsync(TContext db, DateTimeOffset now, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            do
            {
                try
                {
                    var removed = await PurgeAsync(stoppingToken);
                    if (removed > 0)
                    {
                        LogRemoved(logger, removed, Rows);
                    }
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(logger, exception, Rows);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: deletes every row past its time now, batch after batch; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var total = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var removed = await DeleteBatchAsync(scope.ServiceProvider.GetRequiredService<TContext>(), now, cancellationToken);
            total += removed;
            if (removed < BatchSize)
            {
                return total;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} {Rows} past their time")]
    private static partial void LogRemoved(ILogger logger, int count, string rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing {Rows} past their time failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception, string rows);
}
