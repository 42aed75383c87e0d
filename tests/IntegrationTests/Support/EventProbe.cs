using System.Diagnostics;
using System.Text.Json;

namespace Platform.IntegrationTests.Support;

/// <summary>
/// Watches the broker for one event type: bound before the action, it receives a copy of every
/// publish, and a test waits (polling, with a deadline) for the one it expects. The message is
/// deserialised into the contract type as MassTransit's consumers read it (web JSON), so the test
/// also checks the wire shape.
/// </summary>
public sealed class EventProbe<T> : IAsyncDisposable where T : class
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly QueueProbe _queue;
    private readonly List<T> _seen = [];

    private EventProbe(QueueProbe queue) => _queue = queue;

    public static async Task<EventProbe<T>> StartAsync(RunningPlatform platform) =>
        new(await QueueProbe.BindAsync(platform.Fixture.AmqpUri(), QueueProbe.ExchangeFor<T>()));

    /// <summary>Every event of the type seen so far.</summary>
    public async Task<IReadOnlyList<T>> SeenAsync()
    {
        foreach (var envelope in await _queue.DrainEnvelopesAsync())
        {
            _seen.Add(envelope.GetProperty("message").Deserialize<T>(Json)
                ?? throw new InvalidOperationException($"A {typeof(T).Name} message was empty."));
        }
        return _seen;
    }

    /// <summary>Waits for the first event that matches; fails after the deadline naming what was seen.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        while (true)
        {
            if ((await SeenAsync()).FirstOrDefault(match) is { } found)
            {
                return found;
            }
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"No matching {typeof(T).Name} within {limit}; seen: {string.Join("; ", _seen)}");
            }
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => _queue.DisposeAsync();
}

/// <summary>Outbox rows are deleted once relayed, so "nothing was published" is read from the id sequence: every row ever written.</summary>
public static class Outbox
{
    public static Task<long> WrittenAsync(RunningPlatform platform, string service = "registry") =>
        platform.Fixture.QueryScalarAsync<long>(platform.Databases[service].Name,
            "SELECT COALESCE((SELECT last_value FROM outbox_messages_id_seq WHERE is_called), 0)");
}
