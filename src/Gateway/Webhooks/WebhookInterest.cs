using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;

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

    private readonly ConcurrentDictionary<Guid, Interest> _counties = new();
    private long _changes;

    private sealed record Interest(FrozenSet<string> EventTypes, DateTimeOffset ReadAt);

    /// <summary>Whether a live (active or paused) subscription of the county wants the event type. The scope must act for the county.</summary>
    public async ValueTask<bool> IsWantedAsync(GatewayDbContext db, Guid countyId, string eventType, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!_counties.TryGetValue(countyId, out var interest) || now - interest.ReadAt >= RefreshInterval || now < interest.ReadAt)
        {
            var changes = Interlocked.Read(ref _changes);
            var types = await db.WebhookSubscriptions.AsNoTracking()
                .Where(s => s.CountyId == countyId && s.Status != WebhookStatus.Deleted)
                .Select(s => s.EventTypes)
                .ToListAsync(cancellationToken);
            interest = new Interest(types.SelectMany(t => t).ToFrozenSet(StringComparer.Ordinal), now);
            // A change saved while this read ran may be missing from it: use the answer once, keep it only if nothing changed.
            if (Interlocked.Read(ref _changes) == changes)
            {
                _counties[countyId] = interest;
            }
        }
        return interest.EventTypes.Contains(eventType);
    }

    /// <summary>A subscription of the county was created or changed: read its set again before the next event.</summary>
    public void Changed(Guid countyId)
    {
        Interlocked.Increment(ref _changes);
        _counties.TryRemove(countyId, out _);
    }
}
