using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Messaging.Outbox;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ (<c>ConnectionStrings:messaging</c>, an amqp:// URI): durable
    /// queues named <c>{service}-{consumer}</c> in kebab case, publisher confirms, one retry policy for
    /// every endpoint, then the endpoint's <c>_error</c> queue; plus the outbox relay and inbox
    /// cleanup for the service's database.
    /// </summary>
    public static IHostApplicationBuilder AddServiceMessaging<TContext>(
        this IHostApplicationBuilder builder,
        string serviceName,
        Action<IBusRegistrationConfigurator>? configureConsumers = null)
        where TContext : ServiceDbContext
    {
        var connectionString = builder.Configuration.GetConnectionString("messaging")
            ?? throw new InvalidOperationException("ConnectionStrings:messaging is not configured.");
        var broker = new Uri(connectionString);

        builder.Services.Configure<MessagingOptions>(builder.Configuration.GetSection(MessagingOptions.Section));
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            configureConsumers?.Invoke(bus);
            bus.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                endpoint.UseMessageRetry(retry => retry.Exponential(
                    options.RetryLimit, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500)));
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = options.PrefetchCount;
                }
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker, host =>
                {
                    var credentials = Uri.UnescapeDataString(broker.UserInfo).Split(':', 2);
                    if (credentials is [{ Length: > 0 } user, var password])
                    {
                        host.Username(user);
                        host.Password(password);
                    }
                    host.PublisherConfirmation = true;
                });
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddHostedService<OutboxRelay<TContext>>();
        builder.Services.AddHostedService<InboxCleanup<TContext>>();
        return builder;
    }
}
