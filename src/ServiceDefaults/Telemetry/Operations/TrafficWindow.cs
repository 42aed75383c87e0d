using System.Collections.Concurrent;

namespace Platform.ServiceDefaults.Telemetry.Operations;

/// <summary>
/// The last hour of this instance's HTTP traffic in per-minute buckets: for the whole service, per
/// route template, and per county and client (bounded: past a few hundred keys the rest count as
/// "other"). Memory is fixed; recording is a lock and a few increments. Runs on the machine's clock,
/// not the business clock (<c>Clock:Offset</c>), so every instance's minutes line up.
/// </summary>
public sealed class TrafficWindow(TimeProvider clock)
{
    public const int Minutes = 60;
    private const int MaxRoutes = 400;
    private const int MaxDimensionKeys = 300;
    public const string Other = "other";

    private readonly MinuteSeries _service = new(withLatency: true);
    private readonly ConcurrentDictionary<(string Method, string Route), MinuteSeries> _routes = new();
    private readonly ConcurrentDictionary<string, MinuteSeries> _counties = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MinuteSeries> _clients = new(StringComparer.Ordinal);

    public long CurrentMinute => clock.GetUtcNow().ToUnixTimeSeconds() / 60;

    public void Record(string method, string route, int status, double milliseconds, string? county, string client)
    {
        var minute = CurrentMinute;
        var bucket = LatencyHistogram.BucketOf(milliseconds);
        _service.Add(minute, status, bucket);
        var key = (method, route);
        if (!_routes.TryGetValue(key, out var series))
        {
            series = _routes.Count < MaxRoutes ? _routes.GetOrAdd(key, _ => new MinuteSeries(withLatency: true)) : _routes.GetOrAdd((method, Other), _ => new MinuteSeries(withLatency: true));
        }
        series.Add(minute, status, bucket);
        if (county is not null)
        {
            Dimension(_counties, county).Add(minute, status, bucket);
        }
        Dimension(_clients, client).Add(minute, status, bucket);
    }

    private static MinuteSeries Dimension(ConcurrentDictionary<string, MinuteSeries> map, string key) =>
        map.TryGetValue(key, out var series) ? series
        : map.GetOrAdd(map.Count < MaxDimensionKeys ? key : Other, _ => new MinuteSeries(withLatency: false));

    public IReadOnlyList<MinuteFigures> ServiceMinutes() => _service.Snapshot(CurrentMinute);

    public IReadOnlyList<RouteFigures> Routes()
    {
        var now = CurrentMinute;
        var routes = new List<RouteFigures>();
        foreach (var ((method, route), series) in _routes)
        {
            var minutes = series.Snapshot(now);
            if (minutes.Count == 0)
            {
                continue;
            }
            var latency = new long[LatencyHistogram.BucketCount];
            foreach (var minute in minutes)
            {
                LatencyHistogram.Add(latency, minute.Latency);
            }
            routes.Add(new RouteFigures(method, route, minutes.Sum(m => m.Requests), minutes.Sum(m => m.Errors), minutes.Sum(m => m.Rejections),
                MinuteSeries.Trim(latency), minutes));
        }
        return routes;
    }

    public IReadOnlyList<DimensionFigures> Counties() => Totals(_counties);

    public IReadOnlyList<DimensionFigures> Clients() => Totals(_clients);

    private List<DimensionFigures> Totals(ConcurrentDictionary<string, MinuteSeries> map)
    {
        var now = CurrentMinute;
        return map.Select(pair => (pair.Key, Minutes: pair.Value.Snapshot(now)))
            .Where(p => p.Minutes.Count > 0)
            .Select(p => new DimensionFigures(p.Key, p.Minutes.Sum(m => m.Requests), p.Minutes.Sum(m => m.Errors + m.Rejections)))
            .ToList();
    }

    /// <summary>A ring of 60 one-minute slots; a slot is cleared when a new minute reuses it.</summary>
    private sealed class MinuteSeries(bool withLatency)
    {
        private readonly Lock _gate = new();
        private readonly long[] _stamps = new long[Minutes];
        private readonly long[] _requests = new long[Minutes];
        private readonly long[] _errors = new long[Minutes];
        private readonly long[] _rejections = new long[Minutes];
        private readonly long[][]? _latency = withLatency ? Enumerable.Range(0, Minutes).Select(_ => new long[LatencyHistogram.BucketCount]).ToArray() : null;

        public void Add(long minute, int status, int bucket)
        {
            var slot = (int)(minute % Minutes);
            lock (_gate)
            {
                if (_stamps[slot] != minute)
                {
                    _stamps[slot] = minute;
                    _requests[slot] = _errors[slot] = _rejections[slot] = 0;
                    if (_latency is not null)
                    {
                        Array.Clear(_latency[slot]);
                    }
                }
                _requests[slot]++;
                if (status >= 500)
                {
                    _errors[slot]++;
                }
                else if (status >= 400)
                {
                    _rejections[slot]++;
                }
                if (_latency is not null)
                {
                    _latency[slot][bucket]++;
                }
            }
        }

        /// <summary>The minutes of the last hour that saw requests, oldest first.</summary>
        public List<MinuteFigures> Snapshot(long now)
        {
            var minutes = new List<MinuteFigures>();
            lock (_gate)
            {
                for (var slot = 0; slot < Minutes; slot++)
                {
                    var minute = _stamps[slot];
                    if (minute > now - Minutes && minute <= now && _requests[slot] > 0)
                    {
                        minutes.Add(new MinuteFigures(minute, _requests[slot], _errors[slot], _rejections[slot],
                            _latency is null ? [] : Trim(_latency[slot])));
                    }
                }
            }
            minutes.Sort((a, b) => a.Minute.CompareTo(b.Minute));
            return minutes;
        }

        /// <summary>The histogram without its trailing empty buckets: most minutes need only the first dozen.</summary>
        public static long[] Trim(long[] buckets)
        {
            var length = buckets.Length;
            while (length > 0 && buckets[length - 1] == 0)
            {
                length--;
            }
            return buckets[..length];
        }
    }
}
