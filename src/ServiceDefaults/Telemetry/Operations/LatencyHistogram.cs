namespace Platform.ServiceDefaults.Telemetry.Operations;

/// <summary>
/// Latency in fixed buckets (milliseconds): cheap to record, and histograms of several minutes,
/// routes or instances add up bucket by bucket before a percentile is read, so no percentile is
/// ever averaged.
/// </summary>
public static class LatencyHistogram
{
    /// <summary>Upper bounds of the buckets in ms; the last bucket takes everything above.</summary>
    public static readonly double[] Bounds =
        [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 30_000];

    public static int BucketCount => Bounds.Length + 1;

    public static int BucketOf(double milliseconds)
    {
        var index = Array.BinarySearch(Bounds, milliseconds);
        return index >= 0 ? index : ~index;
    }

    /// <summary>Adds <paramref name="source"/> into <paramref name="target"/> (same length).</summary>
    public static void Add(long[] target, IReadOnlyList<long> source)
    {
        for (var i = 0; i < target.Length && i < source.Count; i++)
        {
            target[i] += source[i];
        }
    }

    /// <summary>The q-quantile (0..1), interpolated within its bucket; null for an empty histogram.</summary>
    public static double? Percentile(IReadOnlyList<long> buckets, double q)
    {
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }
        if (total == 0)
        {
            return null;
        }
        var rank = q * total;
        long seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i] == 0)
            {
                continue;
            }
            if (seen + buckets[i] >= rank)
            {
                var lower = i == 0 ? 0 : Bounds[i - 1];
                var upper = i < Bounds.Length ? Bounds[i] : Bounds[^1] * 2;
                var within = (rank - seen) / buckets[i];
                return Math.Round(lower + (upper - lower) * Math.Clamp(within, 0, 1), 2);
            }
            seen += buckets[i];
        }
        return Bounds[^1];
    }
}
