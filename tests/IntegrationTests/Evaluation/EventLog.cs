using System.Text;
using System.Text.Json;
using Platform.Contracts;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;
using RabbitMQ.Client;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>
/// Every event Evaluation's service record is built from, as it travelled (the MassTransit envelope,
/// with its message id): the tests compute the expected figures from these alone, and replay them.
/// </summary>
public sealed class EventLog : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static readonly Type[] Types =
    [
        typeof(RequestPlaced), typeof(RequestDispatched), typeof(RequestClaimed), typeof(RequestReleased), typeof(RequestCompleted), typeof(RequestRated),
        typeof(RequestReopened), typeof(RequestOverdue), typeof(RequestEscalated), typeof(RequestExtended), typeof(RequestCancelled), typeof(AttendanceRecorded),
        typeof(ActivityCancelled), typeof(WhistleChanged), typeof(MonthlyListItemChanged), typeof(ReportChanged),
    ];

    private readonly RunningPlatform _platform;
    private readonly Dictionary<Type, QueueProbe> _probes;
    private readonly List<(Type Type, JsonElement Envelope, ICountyMessage Message)> _seen = [];
    private readonly HashSet<Guid> _ids = [];

    private EventLog(RunningPlatform platform, Dictionary<Type, QueueProbe> probes)
    {
        _platform = platform;
        _probes = probes;
    }

    public static async Task<EventLog> StartAsync(RunningPlatform platform)
    {
        var probes = new Dictionary<Type, QueueProbe>();
        foreach (var type in Types)
        {
            probes[type] = await QueueProbe.BindAsync(platform.Fixture.AmqpUri(), $"{type.Namespace}:{type.Name}");
        }
        return new EventLog(platform, probes);
    }

    /// <summary>Everything seen so far of one county.</summary>
    public async Task<IReadOnlyList<(Type Type, JsonElement Envelope, ICountyMessage Message)>> SeenAsync(Guid countyId)
    {
        foreach (var (type, probe) in _probes)
        {
            foreach (var envelope in await probe.DrainEnvelopesAsync())
            {
                // At least once: a relay may publish an event twice; it is one event.
                if (!_ids.Add(envelope.GetProperty("messageId").GetGuid()))
                {
                    continue;
                }
                _seen.Add((type, envelope, (ICountyMessage)envelope.GetProperty("message").Deserialize(type, Json)!));
            }
        }
        return _seen.Where(s => s.Message.CountyId == countyId).ToList();
    }

    public async Task<IReadOnlyList<T>> OfAsync<T>(Guid countyId) => (await SeenAsync(countyId)).Select(s => s.Message).OfType<T>().ToList();

    /// <summary>Waits until the county's events of a type reach a count (the outbox relays asynchronously).</summary>
    public async Task<IReadOnlyList<T>> WaitForAsync<T>(Guid countyId, Func<IReadOnlyList<T>, bool> done, string what)
    {
        IReadOnlyList<T> last = [];
        await Poll.UntilAsync(async () => last = await OfAsync<T>(countyId), done, TimeSpan.FromSeconds(20), what);
        return last;
    }

    /// <summary>Publishes every seen event of the county again: each once more with its own message id and once under a new one.</summary>
    public async Task<int> ReplayAsync(Guid countyId)
    {
        var seen = await SeenAsync(countyId);
        var connection = await new ConnectionFactory { Uri = new Uri(_platform.Fixture.AmqpUri()) }.CreateConnectionAsync();
        await using var _ = connection;
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        foreach (var (type, envelope, _) in seen)
        {
            var exchange = $"{type.Namespace}:{type.Name}";
            await PublishAsync(channel, exchange, envelope.GetRawText());
            var renamed = System.Text.Json.Nodes.JsonNode.Parse(envelope.GetRawText())!;
            renamed["messageId"] = Guid.NewGuid().ToString();
            await PublishAsync(channel, exchange, renamed.ToJsonString());
        }
        return seen.Count;
    }

    private static async Task PublishAsync(IChannel channel, string exchange, string body)
    {
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
        await channel.BasicPublishAsync(exchange, "", mandatory: false, properties, Encoding.UTF8.GetBytes(body));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var probe in _probes.Values)
        {
            await probe.DisposeAsync();
        }
    }
}
