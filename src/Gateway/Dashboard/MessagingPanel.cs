using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

/// <param name="Depth">Messages in the queue (ready and unacknowledged).</param>
/// <param name="PublishRate">Messages/s into the queue; <paramref name="DeliverRate"/> out to consumers.</param>
public sealed record QueueState(string Name, long Depth, long Ready, long Unacknowledged, int Consumers, double PublishRate, double DeliverRate, double AckRate);

/// <summary>A message in an error queue: its contract, why it failed, when.</summary>
public sealed record FailedMessage(string? MessageId, string? MessageType, string? Reason, string? ExceptionType, string? FailedAt, string? Host);

public sealed record ErrorQueue(string Name, long Count, IReadOnlyList<FailedMessage> Messages);

public sealed record ServiceMessaging(string Service, string Url, MessagingFigures? Figures, string? Error);

/// <param name="BrokerError">Why the broker's figures are missing (the services' are still shown).</param>
public sealed record MessagingView(DateTimeOffset At, string VirtualHost, IReadOnlyList<QueueState> Queues, IReadOnlyList<ErrorQueue> ErrorQueues,
    double PublishRate, double DeliverRate, IReadOnlyList<ServiceMessaging> Services, string? BrokerError);

/// <summary>
/// Panel 3: every queue of the platform's virtual host (depth, consumers, publish/deliver rates);
/// the <c>_error</c> queues with their counts and, for the first messages, the contract and the
/// failure — read with requeue, so looking loses nothing; outbox backlog and age and inbox
/// duplicates per service instance.
/// </summary>
public sealed class MessagingPanel(DashboardSources sources, TimeProvider clock, IMemoryCache cache)
{
    private const int PeekCount = 5;
    private static readonly TimeSpan PeekFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (long Count, DateTimeOffset At, IReadOnlyList<FailedMessage> Messages)> _peeks = new(StringComparer.Ordinal);

    public Task<MessagingView> ReadAsync(CancellationToken cancellationToken) =>
        cache.ReadThroughAsync("ops:messaging", TimeSpan.FromSeconds(2), () => ReadNowAsync(cancellationToken));

    private async Task<MessagingView> ReadNowAsync(CancellationToken cancellationToken)
    {
        var vhost = sources.Options.RabbitMqVirtualHost;
        var servicesTask = sources.ReadAllAsync<MessagingFigures>("/ops/messaging", cancellationToken);
        var overviewTask = sources.ManagementAsync("overview", cancellationToken);
        var queuesRead = await sources.ManagementAsync("queues/" + Uri.EscapeDataString(vhost), cancellationToken);

        var queues = new List<QueueState>();
        var errors = new List<ErrorQueue>();
        foreach (var node in queuesRead.Value?.AsArray() ?? [])
        {
            if (node is null)
            {
                continue;
            }
            var queue = new QueueState(
                (string?)node["name"] ?? "",
                Long(node["messages"]), Long(node["messages_ready"]), Long(node["messages_unacknowledged"]), (int)Long(node["consumers"]),
                Rate(node, "publish_details"), Rate(node, "deliver_get_details"), Rate(node, "ack_details"));
            queues.Add(queue);
            if (queue.Name.EndsWith("_error", StringComparison.Ordinal))
            {
                errors.Add(new ErrorQueue(queue.Name, queue.Depth, queue.Depth == 0 ? [] : await PeekAsync(vhost, queue, cancellationToken)));
            }
        }
        var overview = (await overviewTask).Value;
        var services = (await servicesTask).Select(r => new ServiceMessaging(r.Instance.Service, r.Instance.Url, r.Read.Value, r.Read.Error)).ToList();
        return new MessagingView(clock.GetUtcNow(), vhost,
            [.. queues.Where(q => !q.Name.EndsWith("_error", StringComparison.Ordinal)).OrderByDescending(q => q.Depth).ThenBy(q => q.Name, StringComparer.Ordinal)],
            [.. errors.OrderByDescending(e => e.Count).ThenBy(e => e.Name, StringComparer.Ordinal)],
            Rate(overview, "publish_details"), Rate(overview, "deliver_get_details"), services, queuesRead.Error);
    }

    /// <summary>The first failed messages of an error queue, fetched again only when the count changed or after a while.</summary>
    private async Task<IReadOnlyList<FailedMessage>> PeekAsync(string vhost, QueueState queue, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_peeks.TryGetValue(queue.Name, out var seen) && seen.Count == queue.Depth && now - seen.At < PeekFor)
        {
            return seen.Messages;
        }
        // ack_requeue_true: RabbitMQ hands the messages back to the queue, so looking loses nothing.
        var body = new StringContent(
            $$"""{"count":{{PeekCount}},"ackmode":"ack_requeue_true","encoding":"auto","truncate":50000}""", Encoding.UTF8, "application/json");
        var read = await sources.ManagementAsync($"queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue.Name)}/get", cancellationToken, body);
        var messages = (read.Value?.AsArray() ?? []).Where(m => m is not null).Select(m => Describe(m!)).ToList();
        _peeks[queue.Name] = (queue.Depth, now, messages);
        return messages;
    }

    /// <summary>MassTransit's fault headers (MT-Fault-*) and the envelope's message type.</summary>
    private static FailedMessage Describe(JsonNode message)
    {
        var headers = message["properties"]?["headers"];
        string? messageType = null;
        string? messageId = (string?)message["properties"]?["message_id"];
        if ((string?)message["payload"] is { } payload)
        {
            try
            {
                var envelope = JsonNode.Parse(payload);
                messageType = envelope?["messageType"]?.AsArray().FirstOrDefault()?.GetValue<string>();
                messageId ??= (string?)envelope?["messageId"];
            }
            catch (JsonException)
            {
                messageType = "(not a MassTransit envelope)";
            }
        }
        return new FailedMessage(messageId,
            messageType?.Replace("urn:message:", "", StringComparison.Ordinal),
            Text(headers?["MT-Fault-Message"]) ?? Text(headers?["MT-Reason"]),
            Text(headers?["MT-Fault-ExceptionType"]),
            Text(headers?["MT-Fault-Timestamp"]),
            Text(headers?["MT-Host-MachineName"]) is { } machine ? $"{machine} {Text(headers?["MT-Host-ProcessName"])}".Trim() : null);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();

    private static long Long(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var number) ? number : 0;

    /// <summary>A rate of a queue's or the overview's message_stats (RabbitMQ writes an empty one as []).</summary>
    private static double Rate(JsonNode? node, string details)
    {
        if (node is not JsonObject item)
        {
            return 0;
        }
        var stats = item["message_stats"] as JsonObject;
        return stats?[details] is JsonObject detail && detail["rate"] is JsonValue rate && rate.TryGetValue<double>(out var value) ? Math.Round(value, 2) : 0;
    }
}
