using System.Text.Json;
using RabbitMQ.Client;

namespace Platform.IntegrationTests.Support;

/// <summary>
/// A plain RabbitMQ queue bound to a MassTransit message exchange: it receives one copy of every
/// publish of that message type, so a test can count deliveries independently of any consumer.
/// </summary>
public sealed class QueueProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    private QueueProbe(IConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
    }

    /// <summary>MassTransit's exchange for a message type: "Namespace:TypeName".</summary>
    public static string ExchangeFor<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";

    public static async Task<QueueProbe> BindAsync(string amqpUri, string exchange)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = "probe-" + Guid.NewGuid().ToString("n")[..8];
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, routingKey: "");
        return new QueueProbe(connection, channel, queue);
    }

    public async Task<uint> CountAsync() => (await _channel.QueueDeclarePassiveAsync(_queue)).MessageCount;

    /// <summary>Takes every message in the queue and returns their MassTransit message ids.</summary>
    public async Task<List<Guid>> DrainMessageIdsAsync()
    {
        var ids = new List<Guid>();
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } message)
        {
            using var envelope = JsonDocument.Parse(message.Body);
            ids.Add(envelope.RootElement.GetProperty("messageId").GetGuid());
        }
        return ids;
    }

    /// <summary>Takes every message in the queue and returns their envelopes (messageId, message, headers ...).</summary>
    public async Task<List<JsonElement>> DrainEnvelopesAsync()
    {
        var envelopes = new List<JsonElement>();
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } message)
        {
            using var envelope = JsonDocument.Parse(message.Body);
            envelopes.Add(envelope.RootElement.Clone());
        }
        return envelopes;
    }

    /// <summary>Messages waiting in any queue of the virtual host (e.g. an endpoint's _error queue).</summary>
    /// <returns>The count, or null while the queue does not exist.</returns>
    public async Task<uint?> CountQueueAsync(string queue)
    {
        // A passive declare of a missing queue closes its channel, so each look gets its own.
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.QueueDeleteAsync(_queue);
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
