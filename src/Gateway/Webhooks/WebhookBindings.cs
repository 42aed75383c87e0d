using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Platform.Gateway.Webhooks;

/// <summary>
/// Binds a webhook consumer's queue to its event's exchange only while some live (active or paused)
/// subscription, of any county, wants that event type. An event type nobody subscribed to is then
/// not delivered to the gateway at all: RabbitMQ routes it to Evaluation alone, and the gateway and
/// the broker do no work for it (most installations subscribe to few types, or none).
/// <para>
/// The bindings live in the broker and are shared by every gateway instance. A subscription that
/// adds event types binds them before it is saved (binding only adds deliveries, so it needs no
/// coordination); after every change the bindings are made to match the subscriptions in the
/// database, under a PostgreSQL advisory lock, so that of two instances changing subscriptions at
/// once the later pass sees both changes. A pass at start-up and every <see cref="ReconcileInterval"/>
/// repairs what a failed pass or a reset broker left.
/// </para>
/// </summary>
public sealed partial class WebhookBindings(
    IConfiguration configuration, IBus bus, IEndpointNameFormatter endpointNames, IServiceScopeFactory scopes, TimeProvider clock,
    ILogger<WebhookBindings> logger) : BackgroundService
{
    public static readonly TimeSpan ReconcileInterval = TimeSpan.FromMinutes(1);

    /// <summary>The advisory lock that serialises passes across gateway instances ("WEBHOOKS" in ASCII).</summary>
    private const long LockKey = 0x57_45_42_48_4F_4F_4B_53;

    private readonly SemaphoreSlim _pass = new(1, 1);
    private IReadOnlyList<Binding>? _bindings;

    private sealed record Binding(string EventType, string Source, string SourceType, bool Durable, bool AutoDelete, IDictionary<string, object?> Arguments, string Destination);

    /// <summary>Binds the queues of these event types now; call before saving a subscription that wants them.</summary>
    /// <exception cref="MessagingUnavailableException">The broker could not be reached.</exception>
    public async Task BindQueuesAsync(IEnumerable<string> eventTypes, CancellationToken cancellationToken)
    {
        var wanted = eventTypes.ToHashSet(StringComparer.Ordinal);
        await WithChannelAsync(async channel =>
        {
            foreach (var binding in Bindings().Where(b => wanted.Contains(b.EventType)))
            {
                await BindAsync(channel, binding, cancellationToken);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Makes the bindings match the live subscriptions: binds every wanted type and unbinds the rest.
    /// Returns the event types now bound.
    /// </summary>
    /// <exception cref="MessagingUnavailableException">The broker could not be reached.</exception>
    public async Task<IReadOnlySet<string>> ReconcileAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
            var live = await db.WebhookSubscriptions.AsNoTracking().Where(s => s.Status != WebhookStatus.Deleted)
                .Select(s => s.EventTypes).ToListAsync(cancellationToken);
            var wanted = live.SelectMany(types => types).ToHashSet(StringComparer.Ordinal);
            // The lock is held until the broker matches what was read: a later pass reads after this one applied.
            await WithChannelAsync(async channel =>
            {
                foreach (var binding in Bindings())
                {
                    if (wanted.Contains(binding.EventType))
                    {
                        await BindAsync(channel, binding, cancellationToken);
                    }
                    else
                    {
                        await DeclareSourceAsync(channel, binding, cancellationToken);
                        await channel.ExchangeUnbindAsync(binding.Destination, binding.Source, routingKey: "", cancellationToken: cancellationToken);
                    }
                }
            }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return wanted;
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>
    /// <see cref="ReconcileAsync"/>, logging a failure instead of throwing it: what a failed pass
    /// leaves is at worst a binding no subscription needs, until the next pass.
    /// </summary>
    public async Task TryReconcileAsync(CancellationToken cancellationToken)
    {
        try
        {
            var bound = await ReconcileAsync(cancellationToken);
            LogReconciled(logger, bound.Count == 0 ? "none" : string.Join(", ", bound.Order(StringComparer.Ordinal)));
        }
        catch (Exception exception) when (exception is MessagingUnavailableException or NpgsqlException or TimeoutException)
        {
            LogReconcileFailed(logger, exception);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await TryReconcileAsync(stoppingToken);
                await Task.Delay(ReconcileInterval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static async Task BindAsync(IChannel channel, Binding binding, CancellationToken cancellationToken)
    {
        await DeclareSourceAsync(channel, binding, cancellationToken);
        await channel.ExchangeBindAsync(binding.Destination, binding.Source, routingKey: "", cancellationToken: cancellationToken);
    }

    /// <summary>The event's exchange, declared as MassTransit declares it, in case nothing has published to it yet.</summary>
    private static Task DeclareSourceAsync(IChannel channel, Binding binding, CancellationToken cancellationToken) =>
        channel.ExchangeDeclareAsync(binding.Source, binding.SourceType, binding.Durable, binding.AutoDelete, binding.Arguments,
            cancellationToken: cancellationToken);

    private async Task WithChannelAsync(Func<IChannel, Task> work, CancellationToken cancellationToken)
    {
        var broker = new Uri(configuration.GetConnectionString("messaging")
            ?? throw new InvalidOperationException("ConnectionStrings:messaging is not configured."));
        try
        {
            var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "gateway-webhook-bindings" };
            await using var connection = await factory.CreateConnectionAsync(cancellationToken);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await work(channel);
            await channel.CloseAsync(cancellationToken);
            await connection.CloseAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException)
        {
            throw new MessagingUnavailableException(exception);
        }
    }

    /// <summary>Each webhook consumer's queue exchange and its event's exchange, as MassTransit names and declares them.</summary>
    private IReadOnlyList<Binding> Bindings() => _bindings ??= WebhookEventTypes.All.Select(e =>
    {
        var exchange = e.Route.Exchange(bus.Topology);
        return new Binding(e.Type, exchange.ExchangeName, exchange.ExchangeType, exchange.Durable, exchange.AutoDelete,
            exchange.ExchangeArguments.ToDictionary(a => a.Key, a => (object?)a.Value), e.Route.Queue(endpointNames));
    }).ToList();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook queues bound to the event types subscriptions want: {EventTypes}")]
    private static partial void LogReconciled(ILogger logger, string eventTypes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not match the webhook queues' bindings to the subscriptions; the next pass retries")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}

/// <summary>The broker could not be reached to change what the gateway receives.</summary>
public sealed class MessagingUnavailableException(Exception inner)
    : Exception("The message broker could not be reached: " + inner.Message, inner);
