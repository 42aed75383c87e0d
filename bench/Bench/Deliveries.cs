using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Platform.Contracts.Registry;

namespace Platform.Bench;

/// <summary>Counts deliveries (and distinct message ids) and remembers when the first and the last arrived.</summary>
public sealed class DeliveryCounter
{
    private readonly ConcurrentDictionary<Guid, byte> _ids = new();
    private long _count;
    private long _first;
    private long _last;

    public long Count => Interlocked.Read(ref _count);

    public long Distinct => _ids.Count;

    /// <summary>Stopwatch timestamps of the first and last delivery since the last reset (0 if none).</summary>
    public long FirstTimestamp => Interlocked.Read(ref _first);

    public long LastTimestamp => Interlocked.Read(ref _last);

    public void Hit(Guid? messageId)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _first, now, 0);
        if (messageId is { } id)
        {
            _ids.TryAdd(id, 0);
        }
        Interlocked.Increment(ref _count);
        // Deliveries run concurrently: keep the latest timestamp.
        long seen;
        while ((seen = Interlocked.Read(ref _last)) < now && Interlocked.CompareExchange(ref _last, now, seen) != seen)
        {
        }
    }

    public void Reset()
    {
        _ids.Clear();
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _first, 0);
        Interlocked.Exchange(ref _last, 0);
    }

    /// <summary>Waits (polling) until <paramref name="distinct"/> distinct messages arrived; false at the deadline.</summary>
    public Task<bool> WaitForAsync(long distinct, TimeSpan timeout, CancellationToken cancellationToken) =>
        Poll.UntilAsync(() => Task.FromResult(Distinct >= distinct), timeout, cancellationToken);
}

/// <summary>Counts CountyRegistered deliveries, no database: measures relay → broker → consumer.</summary>
public sealed class CountingConsumer(DeliveryCounter counter) : IConsumer<CountyRegistered>
{
    public Task Consume(ConsumeContext<CountyRegistered> context)
    {
        counter.Hit(context.MessageId);
        return Task.CompletedTask;
    }
}

public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 10 ms until it holds (true) or the time runs out (false).</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(10, cancellationToken);
        }
        return true;
    }
}
