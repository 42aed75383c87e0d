using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Health;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Telemetry;
using Platform.ServiceDefaults.Telemetry.Operations;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.ServiceDefaults;

public static class Extensions
{
    /// <summary>
    /// What every service shares: telemetry, health, problem details for every error, the clock and
    /// the tenant context. Persistence and messaging are added by <c>AddServiceDatabase</c> and
    /// <c>AddServiceMessaging</c>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        // Clock:Offset shifts the service's clock (e.g. "05:00:00" for five hours ahead): tests use it to
        // let deadlines pass across a restart. Never set in production.
        if (builder.Configuration.GetValue<TimeSpan?>("Clock:Offset") is { } offset && offset != TimeSpan.Zero)
        {
            builder.Services.TryAddSingleton<TimeProvider>(new OffsetTimeProvider(offset));
        }
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => ServiceIdentity.Create(serviceName, sp.GetRequiredService<TimeProvider>()));

        builder.AddPlatformTelemetry(serviceName);
        builder.AddOperationsTelemetry();
        builder.Services.AddPlatformHealthChecks();
        builder.Services.AddPlatformProblemDetails();
        builder.Services.AddTenancy();
        builder.Services.AddOpenApi(options => options.AddPlatformSchemas());

        // Kestrel's configuration loader reads endpoints, not limits: bind "Kestrel:Limits" (body size ...) here.
        builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        return builder;
    }

    /// <summary>
    /// <c>/health</c> (ready: every dependency reachable), <c>/alive</c> (process up), the OpenAPI
    /// document, error handling, the caller's authentication (when the host added it) and the county
    /// route binding, in the order they must run; the operations telemetry (<c>/ops/...</c>) first, so
    /// it sees every answer.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseOperationsTelemetry();
        app.UseExceptionHandler();
        app.UseRequestTextRules();
        app.UseRouting();
        app.UsePlatformAuthentication();
        app.UseEndpointBodySizeLimit();
        app.UseStatusCodePages();
        app.UseCountyTenancy();
        app.UseIdempotency();

        app.MapHealthEndpoints();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}

/// <summary>The system clock shifted by a fixed offset (configuration <c>Clock:Offset</c>); timers run on the system's.</summary>
public sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset => offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
