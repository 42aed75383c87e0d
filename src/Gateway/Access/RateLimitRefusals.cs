using System.Collections.Concurrent;

namespace Platform.Gateway.Access;

/// <summary>A client or county whose bucket refused calls in the last hour, as this gateway instance saw it.</summary>
/// <param name="Policy"><c>client</c> or <c>county</c>: which bucket ran dry.</param>
/// <param name="Name">The client's name, or the county's code.</param>
/// <param name="County">The county's code (none for an operator client).</param>
/// <param name="Refused">Calls answered 429 in the last hour.</param>
public sealed record LimitedCaller(string Policy, Guid Id, string Name, string? County, double PermitsPerSecond, int Burst, long Refused, DateTimeOffset LastRefusedAt);

/// <summary>
/// The 429s of the last hour per bucket, counted per minute, for the operations dashboard: which
/// integrators run into their limits, and how often. Memory holds only buckets that refused a call
/// within the hour.
/// </summary>
public sealed class RateLimitRefusals(TimeProvider clock)
{
    private const int Minutes = 60;
    private readonly ConcurrentDictionary<(string Policy, Guid Id), Entry> _entries = new();

    public void Record(RateLimits.Bucket bucket, string name, string? county)
    {
        var now = clock.GetUtcNow();
        var entry = _entries.GetOrAdd((bucket.Policy, bucket.Id), _ => new Entry());
        entry.Add(now, name, county, bucket.PermitsPerSecond, bucket.Burst);
    }

    /// <summary>The buckets that refused calls in the last hour (of one county's clients, or all), those that refused most first.</summary>
    public IReadOnlyList<LimitedCaller> Recent(string? county, int limit)
    {
        var now = clock.GetUtcNow();
        var recent = new List<LimitedCaller>();
        foreach (var (key, entry) in _entries)
        {
            if (entry.Read(now) is { } figures)
            {
                recent.Add(new LimitedCaller(key.Policy, key.Id, figures.Name, figures.County, figures.PermitsPerSecond, figures.Burst, figures.Refused, figures.Last));
            }
            else
            {
                _entries.TryRemove(new KeyValuePair<(string, Guid), Entry>(key, entry));
            }
        }
        return [.. recent.Where(r => county is null || r.County == county).OrderByDescending(r => r.Refused).ThenByDescending(r => r.LastRefusedAt).Take(limit)];
    }

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    private sealed class Entry
    {
        private readonly Lock _lock = new();
        private readonly long[] _minutes = new long[Minutes];
        private readonly long[] _counts = new long[Minutes];
        private string _name = "";
        private string? _county;
        private double _permitsPerSecond;
        private int _burst;
        private DateTimeOffset _last;

        public void Add(DateTimeOffset now, string name, string? county, double permitsPerSecond, int burst)
        {
            var minute = MinuteOf(now);
            var slot = (int)(minute % Minutes);
            lock (_lock)
            {
                if (_minutes[slot] != minute)
                {
                    _minutes[slot] = minute;
                    _counts[slot] = 0;
                }
                _counts[slot]++;
                (_name, _county, _permitsPerSecond, _burst, _last) = (name, county, permitsPerSecond, burst, now);
            }
        }

        /// <summary>The hour's figures; null when nothing was refused within it.</summary>
        public (string Name, string? County, double PermitsPerSecond, int Burst, long Refused, DateTimeOffset Last)? Read(DateTimeOffset now)
        {
            var from = MinuteOf(now) - Minutes + 1;
            lock (_lock)
            {
                long refused = 0;
                for (var i = 0; i < Minutes; i++)
                {
                    if (_minutes[i] >= from)
                    {
                        refused += _counts[i];
                    }
                }
                return refused == 0 ? null : (_name, _county, _permitsPerSecond, _burst, refused, _last);
            }
        }
    }
}
