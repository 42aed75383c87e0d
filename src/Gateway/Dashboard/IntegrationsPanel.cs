using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Platform.Gateway.Access;
using Platform.Gateway.Webhooks;

namespace Platform.Gateway.Dashboard;

/// <param name="Webhooks">Subscriptions and deliveries of every county; null when the gateway's database did not answer (<paramref name="Error"/>).</param>
/// <param name="Clients">The API clients and their keys; null with the database down.</param>
/// <param name="Limited">Clients and counties whose rate limit refused calls in the last hour, as this gateway instance saw them (from memory: shown with the database down too).</param>
public sealed record IntegrationsView(DateTimeOffset At, WebhookFigures? Webhooks, ClientFigures? Clients, IReadOnlyList<LimitedCaller> Limited, string? Error);

/// <param name="Active">Subscriptions active; <paramref name="Paused"/> paused (by their owner or for failing).</param>
/// <param name="Pending">Deliveries not yet accepted by their receiver; <paramref name="Due"/> of them due now, <paramref name="Retrying"/> tried and failed at least once.</param>
/// <param name="OldestPendingSeconds">Age of the oldest pending delivery: how far behind the slowest receiver is.</param>
/// <param name="FailedLastDay">Deliveries whose retry window ended without success in the last 24 hours (replayable).</param>
/// <param name="NeedAttention">Subscriptions paused or failing, of which <paramref name="Attention"/> holds the first ten: paused first, then by failures in a row.</param>
public sealed record WebhookFigures(int Active, int Paused, long Pending, long Due, long Retrying, double? OldestPendingSeconds, long FailedLastDay,
    int NeedAttention, IReadOnlyList<SubscriptionAttention> Attention);

/// <param name="Target">The receiver's URL without its query (which may carry a credential).</param>
/// <param name="LastError">The latest error of its pending deliveries.</param>
public sealed record SubscriptionAttention(Guid Id, string County, string Target, string Status, string? PausedReason, DateTimeOffset? PausedAt,
    int ConsecutiveFailures, DateTimeOffset? FailingSince, DateTimeOffset? LastFailureAt, DateTimeOffset? LastSuccessAt, long Pending, string? LastError);

/// <param name="CountyClients">Clients of a county, not revoked; <paramref name="Operators"/> operator clients (no county), not revoked.</param>
/// <param name="Counties">Counties with at least one such client.</param>
/// <param name="ActiveKeys">Keys that work: not revoked, not expired, of a client not revoked.</param>
public sealed record ClientFigures(int CountyClients, int Operators, int Revoked, int Counties, int ActiveKeys);

/// <summary>
/// Panel 5: webhook subscriptions paused or failing and the deliveries waiting, the API clients and
/// their keys, and the integrators who ran into their rate limits. Read from the gateway's own
/// database and memory; cached for two seconds, so several open pages cost what one does.
/// </summary>
public sealed class IntegrationsPanel(IServiceScopeFactory scopes, RateLimitRefusals refusals, TimeProvider clock, IMemoryCache cache, ILogger<IntegrationsPanel> logger)
{
    private const int AttentionShown = 10;
    private const int LimitedShown = 10;

    /// <summary>Every county's figures, or one county's (<paramref name="county"/>, its code); operator clients are counted either way.</summary>
    public Task<IntegrationsView> ReadAsync(string? county, CancellationToken cancellationToken) =>
        cache.ReadThroughAsync("ops:integrations:" + county, TimeSpan.FromSeconds(2), () => ReadNowAsync(county, cancellationToken));

    private async Task<IntegrationsView> ReadNowAsync(string? county, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var limited = refusals.Recent(county, LimitedShown);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
            return new IntegrationsView(now, await WebhooksAsync(db, county, now, cancellationToken), await ClientsAsync(db, county, now, cancellationToken), limited, null);
        }
        catch (Exception exception) when (ServiceDefaults.Persistence.PostgresErrors.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "The integrations panel could not read the gateway's database");
            return new IntegrationsView(now, null, null, limited, $"gateway database unreachable: {exception.Message}");
        }
    }

    private static async Task<WebhookFigures> WebhooksAsync(GatewayDbContext db, string? county, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ofCounty = db.WebhookSubscriptions.AsNoTracking().Where(s => county == null || s.CountyCode == county);
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => county == null || ofCounty.Any(s => s.Id == d.SubscriptionId));
        var subscriptions = await ofCounty
            .GroupBy(s => s.Status).Select(g => new { Status = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        // Pending rows only, through the sender's partial index.
        var pending = await deliveries.Where(d => d.Status == DeliveryStatus.Pending)
            .GroupBy(d => 1)
            .Select(g => new
            {
                Count = g.LongCount(),
                Due = g.LongCount(d => d.NextAttemptAt <= now),
                Retrying = g.LongCount(d => d.RetryAttempts > 0),
                Oldest = g.Min(d => (DateTimeOffset?)d.CreatedAt),
            })
            .FirstOrDefaultAsync(cancellationToken);
        var dayAgo = now.AddDays(-1);
        var failed = await deliveries.LongCountAsync(d => d.Status == DeliveryStatus.Failed && d.LastAttemptAt >= dayAgo, cancellationToken);

        var troubled = ofCounty.Where(s => s.Status == WebhookStatus.Paused || (s.Status == WebhookStatus.Active && s.ConsecutiveFailures > 0));
        var needAttention = await troubled.CountAsync(cancellationToken);
        var attention = await troubled
            .OrderBy(s => s.Status == WebhookStatus.Paused ? 0 : 1).ThenByDescending(s => s.ConsecutiveFailures).ThenBy(s => s.Id)
            .Take(AttentionShown).ToListAsync(cancellationToken);
        var ids = attention.Select(s => s.Id).ToList();
        var waiting = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => ids.Contains(d.SubscriptionId) && d.Status == DeliveryStatus.Pending)
            .GroupBy(d => d.SubscriptionId).Select(g => new { Id = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Id, g => g.Count, cancellationToken);
        var errors = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => ids.Contains(d.SubscriptionId) && d.Status == DeliveryStatus.Pending && d.LastError != null)
            .GroupBy(d => d.SubscriptionId)
            .Select(g => new { Id = g.Key, Error = g.OrderByDescending(d => d.LastAttemptAt).Select(d => d.LastError).First() })
            .ToDictionaryAsync(g => g.Id, g => g.Error, cancellationToken);

        int Subscriptions(string status) => subscriptions.FirstOrDefault(s => s.Status == status)?.Count ?? 0;
        return new WebhookFigures(
            Subscriptions(WebhookStatus.Active), Subscriptions(WebhookStatus.Paused),
            pending?.Count ?? 0, pending?.Due ?? 0, pending?.Retrying ?? 0,
            pending?.Oldest is { } oldest ? Math.Max(0, Math.Round((now - oldest).TotalSeconds)) : null,
            failed, needAttention,
            [.. attention.Select(s => new SubscriptionAttention(s.Id, s.CountyCode, Target(s.Url), s.Status, s.PausedReason, s.PausedAt, s.ConsecutiveFailures,
                s.FailingSince, s.LastFailureAt, s.LastSuccessAt, waiting.GetValueOrDefault(s.Id), errors.GetValueOrDefault(s.Id)))]);
    }

    private static async Task<ClientFigures> ClientsAsync(GatewayDbContext db, string? county, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var clients = await db.Clients.AsNoTracking().Where(c => county == null || c.CountyCode == county || c.CountyId == null)
            .GroupBy(c => new { Operator = c.CountyId == null, Revoked = c.RevokedAt != null })
            .Select(g => new { g.Key.Operator, g.Key.Revoked, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var counties = await db.Clients.AsNoTracking().Where(c => c.RevokedAt == null && c.CountyId != null && (county == null || c.CountyCode == county))
            .Select(c => c.CountyId).Distinct().CountAsync(cancellationToken);
        var keys = await db.Keys.AsNoTracking()
            .Where(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)
                && db.Clients.Any(c => c.Id == k.ClientId && c.RevokedAt == null && (county == null || c.CountyCode == county || c.CountyId == null)))
            .CountAsync(cancellationToken);
        return new ClientFigures(
            clients.Where(c => !c.Operator && !c.Revoked).Sum(c => c.Count),
            clients.Where(c => c.Operator && !c.Revoked).Sum(c => c.Count),
            clients.Where(c => c.Revoked).Sum(c => c.Count),
            counties, keys);
    }

    /// <summary>Scheme, host, port and path: the user information and the query may carry the receiver's credential.</summary>
    public static string Target(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : url;
}
