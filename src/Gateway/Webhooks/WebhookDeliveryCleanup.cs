using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Gateway.Webhooks;

/// <summary>
/// Deletes deliveries that ended (delivered, or failed after their retry window) longer ago than
/// <see cref="WebhookOptions.DeliveryRetention"/>, counted from their last attempt (a replayed one
/// starts again), so that the table holds what an integrator can still list and replay rather than
/// every event ever sent. A pending delivery is never deleted.
/// </summary>
public sealed class WebhookDeliveryCleanup(
    IServiceScopeFactory scopes,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDeliveryCleanup> logger) : Purge<GatewayDbContext>(scopes, clock, logger)
{
    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override string Rows => "webhook deliveries";

    protected override Task<int> DeleteBatchAsync(GatewayDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - options.Value.DeliveryRetention;
        return db.Database.ExecuteSqlAsync($"""
            DELETE FROM webhook_deliveries WHERE ctid IN (
                SELECT ctid FROM webhook_deliveries
                WHERE status <> {DeliveryStatus.Pending} AND coalesce(delivered_at, last_attempt_at, created_at) < {cutoff}
                LIMIT {BatchSize})
            """, cancellationToken);
    }
}
