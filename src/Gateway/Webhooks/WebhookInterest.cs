using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway.Webhooks;

/// <summary>
/// Which event types each county has a live subscription for, held in memory so the webhook
/// consumers pass over an event nobody subscribed to without opening a transaction (most events of
/// most counties). A county's set is read from the database when first needed and again once it is
/// <see cref="RefreshInterval"/> old; a subscription changed through this gateway instance counts at
/// once, one changed through another instance within the interval.
/// </summary>
public sealed class WebhookInterest(TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly CountyCache<FrozenSet<string>> _counties = new(clock, RefreshInterval);

    /// <summary>Whether a live (active or paused) subscription of the county wants the event type. The scope must act for the county.</summary>
    public async ValueTask<bool> IsWantedAsync(GatewayDbContext db, Guid countyId, string eventType, CancellationToken cancellationToken)
    {
        var wanted = await _counties.GetAsync(countyId, (db, countyId), static async (state, cancellationToken) =>
        {
            var types = await state.db.WebhookSubscriptions.AsNoTracking()
                .Where(s => s.CountyId == state.countyId && s.Status != WebhookStatus.Deleted)
                .Select(s => s.EventTypes)
                .ToListAsync(cancellationToken);
            return types.SelectMany(t => t).ToFrozenSet(StringComparer.Ordinal);
        }, cancellationToken);
        return wanted.Contains(eventType);
    }

    /// <summary>A subscription of the county was created or changed: read its set again before the next event.</summary>
    public void Changed(Guid countyId) => _counties.Forget(countyId);
}
