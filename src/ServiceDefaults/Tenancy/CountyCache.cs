using System.Collections.Concurrent;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// A value per county, read from the service's database and kept for <c>maxAge</c>, for what
/// a hot path would otherwise read on every call. <see cref="Forget"/> (the service changed what the
/// value is made of) makes the next caller read again; a read that overlapped a <see cref="Forget"/>
/// may have missed the change, so its answer is used once and not kept. An entry read "later" than
/// now (the clock was set back) counts as stale.
/// </summary>
public sealed class CountyCache<T>(TimeProvider clock, TimeSpan maxAge) where T : class
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private long _forgets;

    /// <summary>The county's value: kept, or read by <paramref name="read"/> (given <paramref name="state"/>, so a hit allocates nothing).</summary>
    public async ValueTask<T> GetAsync<TState>(Guid countyId, TState state, Func<TState, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(countyId, out var entry) && now >= entry.ReadAt && now - entry.ReadAt < maxAge)
        {
            return entry.Value;
        }
        var forgets = Interlocked.Read(ref _forgets);
        var value = await read(state, cancellationToken);
        if (Interlocked.Read(ref _forgets) == forgets)
        {
            _entries[countyId] = new Entry(value, now);
        }
        return value;
    }

    /// <summary>What the county's value is made of changed: read it again before it is next used.</summary>
    public void Forget(Guid countyId)
    {
        Interlocked.Increment(ref _forgets);
        _entries.TryRemove(countyId, out _);
    }

    private sealed record Entry(T Value, DateTimeOffset ReadAt);
}
