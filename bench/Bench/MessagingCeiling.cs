using System.Diagnostics;
using MassTransit;

namespace Platform.Bench;

/// <summary>The ceiling message of the broker measurement; MassTransit wants message types in a namespace.</summary>
public sealed record CeilingPing(int Sequence);

/// <summary>
/// Raw MassTransit 8.4 over RabbitMQ, no database: persistent messages, publisher confirms, a fixed
/// number of publishes awaiting their confirm at once, consumed concurrently (prefetch as the
/// platform's) — the "publish and consume concurrently" line of baselines.md.
/// </summary>
public static class MessagingCeiling
{
    public sealed record Result(double PublishConsumePerSecond, double PublishPerSecond, long Lost);

    public static async Task<Result> MeasureAsync(string amqpUri, int messages, int inFlight, int prefetch, CancellationToken cancellationToken)
    {
        var counter = new DeliveryCounter();
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(new Uri(amqpUri), host =>
            {
                host.Username("guest");
                host.Password("guest");
                host.PublisherConfirmation = true;
            });
            rabbit.ReceiveEndpoint("bench-ceiling", endpoint =>
            {
                endpoint.PrefetchCount = prefetch;
                endpoint.Handler<CeilingPing>(context =>
                {
                    counter.Hit(context.MessageId);
                    return Task.CompletedTask;
                });
            });
        });
        using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        startTimeout.CancelAfter(TimeSpan.FromSeconds(60));
        await bus.StartAsync(startTimeout.Token);
        try
        {
            // Warm-up: JIT, connections, channels.
            await PublishAsync(bus, 2_000, inFlight, cancellationToken);
            if (!await counter.WaitForAsync(2_000, TimeSpan.FromSeconds(60), cancellationToken))
            {
                throw new TimeoutException($"MassTransit ceiling: warm-up messages not consumed ({counter.Distinct} of 2000)");
            }
            counter.Reset();
            await Machine.WaitJitSettledAsync(TimeSpan.FromSeconds(20), cancellationToken);

            await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
            var window = Machine.Begin("MassTransit ceiling");
            var watch = Stopwatch.StartNew();
            var start = Stopwatch.GetTimestamp();
            await PublishAsync(bus, messages, inFlight, cancellationToken);
            var published = watch.Elapsed;
            await counter.WaitForAsync(messages, TimeSpan.FromSeconds(120), cancellationToken);
            var consumed = counter.Distinct;
            var elapsed = Stopwatch.GetElapsedTime(start, Math.Max(counter.LastTimestamp, start + 1));
            window.End();
            Log.Write($"  published {messages} in {published.TotalSeconds:F2} s, consumed {consumed} in {elapsed.TotalSeconds:F2} s");
            return new Result(consumed / elapsed.TotalSeconds, messages / published.TotalSeconds, messages - consumed);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }

    private static async Task PublishAsync(IBus bus, int messages, int inFlight, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(messages);
        for (var i = 0; i < messages; i++)
        {
            await slots.WaitAsync(cancellationToken);
            pending.Add(PublishOneAsync(i));
        }
        await Task.WhenAll(pending);

        async Task PublishOneAsync(int sequence)
        {
            try
            {
                await bus.Publish(new CeilingPing(sequence), cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
