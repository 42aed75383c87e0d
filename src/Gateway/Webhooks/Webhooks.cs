using Microsoft.Extensions.Options;

namespace Platform.Gateway.Webhooks;

public static class Webhooks
{
    /// <summary>The sender loop and its HTTP client, the clean-up of old deliveries; the consumers are added with the bus (<see cref="WebhookConsumers"/>).</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section));
        builder.Services.AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(services =>
                WebhookTargets.Handler(services.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateTargets));
        builder.Services.AddHostedService<WebhookSender>();
        builder.Services.AddHostedService<WebhookDeliveryCleanup>();
        builder.Services.AddSingleton<WebhookInterest>();
        builder.Services.AddSingleton<WebhookBindings>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<WebhookBindings>());
        return builder;
    }
}
