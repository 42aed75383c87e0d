using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.ServiceDefaults.Messaging.Outbox;

/// <summary>
/// Publishes outbox rows to the broker and deletes them once confirmed. Each pass locks a batch with
/// <c>FOR UPDATE SKIP LOCKED</c> (so replicas take disjoint rows), publishes the whole batch at once
/// (publisher confirms awaited together, not one by one), deletes what was confirmed and schedules
/// the rest again with a growing delay, all in one transaction. A crash before the commit leaves the
/// rows to be published again: delivery is at least once, and consumers' inboxes make it effectively once.
/// </summary>
public sealed partial class OutboxRelay<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<OutboxRelay<TContext>> logger) : BackgroundService
    where TContext : ServiceDbContext
{
    private readonly OutboxOptions _options = options.Value.Outbox;
    private readonly ConcurrentDictionary<string, Type?> _types = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RelayEnabled)
        {
            LogRelayDisabled(logger);
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            int relayed;
            try
            {
                relayed = await RelayBatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The database or broker is away: the rows stay and are taken again later.
                LogPassFailed(logger, exception);
                relayed = 0;
            }
            if (relayed < _options.BatchSize)
            {
                await signal.WaitAsync(_options.PollInterval, clock, stoppingToken);
            }
        }
    }

    /// <summary>One pass: returns how many rows it took (published or rescheduled).</summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var now = clock.GetUtcNow();
        // A row never tried is due whatever its time says: the instance that wrote it may have had
        // a clock ahead of this one's (another replica, or a restart with the clock moved back).
        var batch = await db.OutboxMessages
            .FromSql($"SELECT * FROM outbox_messages WHERE next_attempt_at <= {now} OR attempts = 0 ORDER BY id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        using var activity = PlatformTelemetry.Source.StartActivity("outbox relay", ActivityKind.Producer);
        activity?.SetTag("messaging.batch.message_count", batch.Count);

        var outcomes = await Task.WhenAll(batch.Select(row => PublishAsync(row, cancellationToken)));

        var published = new List<long>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is null)
            {
                published.Add(batch[i].Id);
                continue;
            }
            var row = batch[i];
            var attempts = row.Attempts + 1;
            var retryAt = now + RetryDelay(attempts);
            var error = outcomes[i]!;
            await db.OutboxMessages.Where(m => m.Id == row.Id).ExecuteUpdateAsync(setters => setters
                .SetProperty(m => m.Attempts, attempts)
                .SetProperty(m => m.NextAttemptAt, retryAt)
                .SetProperty(m => m.LastError, error), cancellationToken);
        }
        if (published.Count > 0)
        {
            await db.OutboxMessages.Where(m => published.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        PlatformTelemetry.OutboxPublished.Add(published.Count);
        if (published.Count < batch.Count)
        {
            PlatformTelemetry.OutboxFailed.Add(batch.Count - published.Count);
        }
        return batch.Count;
    }

    /// <summary>Publishes one row and waits for the broker's confirm; returns the error, or null on success.</summary>
    private async Task<string?> PublishAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        var type = _types.GetOrAdd(row.MessageType, ResolveType);
        if (type is null)
        {
            return $"Unknown message type '{row.MessageType}'.";
        }
        // Published inside the trace of the change that wrote the row, not the relay's own.
        using var activity = row.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, out var parent)
            ? PlatformTelemetry.Source.StartActivity("outbox publish", ActivityKind.Producer, parent)
            : null;
        activity?.SetTag("messaging.message.id", row.MessageId.ToString());
        activity?.SetTag("platform.message.type", row.MessageType);
        try
        {
            var message = JsonSerializer.Deserialize(row.Body, type, OutboxWriter.SerializerOptions)
                ?? throw new JsonException("The body is null.");
            await bus.Publish(message, type, context =>
            {
                context.MessageId = row.MessageId;
                if (row.CountyId is { } countyId)
                {
                    context.Headers.Set(MessageHeaders.CountyId, countyId.ToString());
                }
            }, cancellationToken);
            return null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            LogPublishFailed(logger, exception, row.MessageId, row.MessageType, row.Attempts + 1);
            return exception.Message;
        }
    }

    private TimeSpan RetryDelay(int attempts)
    {
        var seconds = Math.Pow(2, Math.Min(attempts, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, _options.MaxRetryDelay.TotalSeconds));
    }

    private Type? ResolveType(string name) =>
        _options.ContractAssemblies.Prepend(typeof(ICountyMessage).Assembly)
            .Select(assembly => assembly.GetType(name, throwOnError: false))
            .FirstOrDefault(type => type is not null);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay disabled on this instance")]
    private static partial void LogRelayDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay pass failed; the rows will be taken again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing outbox message {MessageId} ({MessageType}) failed on attempt {Attempt}")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid messageId, string messageType, int attempt);
}
