using MassTransit;
using Platform.Contracts.Registry;

namespace Platform.Bench;

/// <summary>Counts deliveries, no database: measures relay → broker → consumer.</summary>
public sealed class CountingConsumer : IConsumer<CountyRegistered>
{
    private static long _count;

    public static long Count => Interlocked.Read(ref _count);

    public Task Consume(ConsumeContext<CountyRegistered> context)
    {
        Interlocked.Increment(ref _count);
        return Task.CompletedTask;
    }
}
