using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.Gateway.Webhooks;

/// <summary>
/// Sends due deliveries, signed, and records each attempt. A pass leases a batch (<c>FOR UPDATE
/// SKIP LOCKED</c>, so gateway replicas share the work and a crashed sender's lease runs out), taking
/// only the head of each request's queue: a delivery waits while an earlier one of the same request
/// and subscription is still pending. A failure is retried with exponential backoff until the retry
/// window ends (then it is failed, and replayable); a subscription failing for long enough, or
/// answered 410 Gone, is paused. Nothing here runs in the business flow: events become deliveries
/// through the inbox, and a slow or dead receiver only delays its own deliveries.
/// </summary>
public sealed partial class WebhookSender(
    IServiceScopeFactory scopes, IHttpClientFactory clients, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookSender> logger)
    : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private sealed record Due(Guid Id, Guid SubscriptionId, string Payload, int Attempts, int RetryAttempts, string Url, string Secret);

    private sealed record Outcome(Due Delivery, bool Delivered, int? StatusCode, string? Error, DateTimeOffset At);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await PassAsync(stoppingToken) == 0)
                {
                    await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogPassFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    /// <summary>One pass: returns how many deliveries it attempted.</summary>
    public async Task<int> PassAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var due = await LeaseAsync(settings, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        var outcomes = new Outcome[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count),
            new ParallelOptions { MaxDegreeOfParallelism = settings.MaxParallelSends, CancellationToken = cancellationToken },
            async (index, token) => outcomes[index] = await SendAsync(due[index], settings, token));
        await RecordAsync(outcomes, settings, cancellationToken);
        return due.Count;
    }

    private async Task<List<Due>> LeaseAsync(WebhookOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        var now = clock.GetUtcNow();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("""
                WITH due AS (
                    SELECT d.id FROM webhook_deliveries d
                    JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.status = 'active'
                    WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND d.created_at <= @settled
                      AND (d.lease_until IS NULL OR d.lease_until < @now)
                      AND NOT EXISTS (
                          SELECT 1 FROM webhook_deliveries e
                          WHERE e.subscription_id = d.subscription_id AND e.ordering_key = d.ordering_key AND e.status = 'pending'
                            AND (e.position < d.position OR (e.position = d.position AND e.sequence < d.sequence)))
                    ORDER BY d.next_attempt_at, d.sequence
                    LIMIT @batch
                    FOR UPDATE OF d SKIP LOCKED)
                UPDATE webhook_deliveries w SET lease_until = @lease
                FROM due JOIN webhook_subscriptions s ON true
                WHERE w.id = due.id AND s.id = w.subscription_id
                RETURNING w.id, w.subscription_id, w.payload::text, w.attempts, w.retry_attempts, s.url, s.secret
                """, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("settled", now - settings.OrderingDelay);
            command.Parameters.AddWithValue("lease", now + settings.BatchLease());
            command.Parameters.AddWithValue("batch", settings.BatchSize);
            var due = new List<Due>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new Due(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6)));
            }
            return due;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<Outcome> SendAsync(Due delivery, WebhookOptions settings, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var id = "msg_" + delivery.Id.ToString("N");
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(delivery.Secret, id, timestamp, delivery.Payload));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("platform-webhooks", "1"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new Outcome(delivery, true, code, null, now)
                : new Outcome(delivery, false, code, $"The receiver answered {code} {response.ReasonPhrase}.", now);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var error = exception is OperationCanceledException
                ? $"No answer within {settings.RequestTimeout.TotalSeconds:0.#} s."
                : exception.Message;
            return new Outcome(delivery, false, null, error.Length > 500 ? error[..500] : error, now);
        }
    }

    private async Task RecordAsync(IEnumerable<Outcome> outcomes, WebhookOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        foreach (var outcome in outcomes)
        {
            var d = outcome.Delivery;
            var now = outcome.At;
            if (outcome.Delivered)
            {
                await db.Database.ExecuteSqlAsync($"""
                    UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = {now}, last_attempt_at = {now},
                        last_status_code = {outcome.StatusCode}, last_error = NULL, lease_until = NULL
                    WHERE id = {d.Id};
                    UPDATE webhook_subscriptions SET consecutive_failures = 0, failing_since = NULL, last_success_at = {now} WHERE id = {d.SubscriptionId};
                    """, cancellationToken);
                continue;
            }
            var next = now + Backoff(d.RetryAttempts, settings);
            var gone = outcome.StatusCode == StatusCodes.Status410Gone;
            var reason = "failing: " + outcome.Error;
            await db.Database.ExecuteSqlAsync($"""
                UPDATE webhook_deliveries SET attempts = attempts + 1, retry_attempts = retry_attempts + 1, last_attempt_at = {now},
                    last_status_code = {outcome.StatusCode}, last_error = {outcome.Error}, lease_until = NULL, next_attempt_at = {next},
                    status = CASE WHEN {next} > retry_from + {settings.RetryFor} THEN 'failed' ELSE 'pending' END
                WHERE id = {d.Id};
                UPDATE webhook_subscriptions SET
                    status = CASE WHEN status = 'active' AND ({gone} OR (consecutive_failures + 1 >= {settings.PauseAfterFailures}
                                  AND coalesce(failing_since, {now}) <= {now - settings.PauseAfter})) THEN 'paused' ELSE status END,
                    paused_reason = CASE WHEN status = 'active' AND ({gone} OR (consecutive_failures + 1 >= {settings.PauseAfterFailures}
                                  AND coalesce(failing_since, {now}) <= {now - settings.PauseAfter})) THEN {reason} ELSE paused_reason END,
                    paused_at = CASE WHEN status = 'active' AND ({gone} OR (consecutive_failures + 1 >= {settings.PauseAfterFailures}
                                  AND coalesce(failing_since, {now}) <= {now - settings.PauseAfter})) THEN {now} ELSE paused_at END,
                    version = CASE WHEN status = 'active' AND ({gone} OR (consecutive_failures + 1 >= {settings.PauseAfterFailures}
                                  AND coalesce(failing_since, {now}) <= {now - settings.PauseAfter})) THEN version + 1 ELSE version END,
                    consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, {now}), last_failure_at = {now}
                WHERE id = {d.SubscriptionId};
                """, cancellationToken);
            LogAttemptFailed(logger, d.Id, d.Url, d.Attempts + 1, outcome.Error ?? "");
        }
    }

    /// <summary>First retry after <see cref="WebhookOptions.FirstRetryDelay"/>, doubling up to the maximum, ±10% so receivers are not hit in waves.</summary>
    public static TimeSpan Backoff(int previousAttempts, WebhookOptions settings)
    {
        var exponent = Math.Min(previousAttempts, 30);
        var delay = Math.Min(settings.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), settings.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(delay * (0.9 + (Random.Shared.NextDouble() * 0.2)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook delivery pass failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} to {Url} failed on attempt {Attempt}: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, Guid deliveryId, string url, int attempt, string error);
}
