using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Probe;

public static class ProbeHost
{
    public const string ConnectionName = "probedb";

    /// <summary>The probe as a web application: the same plumbing every service gets.</summary>
    public static WebApplication Build(string[] args, bool withConsumer = true, Action<MassTransit.IBusRegistrationConfigurator>? consumers = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults("probe");
        builder.Services.Configure<ProbeOptions>(builder.Configuration.GetSection("Probe"));
        builder.AddServiceDatabase<ProbeDbContext>(ConnectionName);
        builder.AddServiceMessaging<ProbeDbContext>("probe", bus =>
        {
            if (withConsumer)
            {
                bus.AddConsumer<EffectConsumer>();
            }
            consumers?.Invoke(bus);
        });
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
