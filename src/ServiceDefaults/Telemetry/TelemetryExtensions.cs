using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry from the core SDK only: the hosting and instrumentation packages are not in the
/// registry here, so the built-in ActivitySources and Meters of ASP.NET Core, HttpClient,
/// MassTransit and Npgsql are subscribed to by name.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Activity sources the platform listens to; the platform's own source comes first.</summary>
    public static readonly string[] ActivitySources =
        [PlatformTelemetry.SourceName, "Microsoft.AspNetCore", "System.Net.Http", "MassTransit", "Npgsql", "Yarp.ReverseProxy"];

    public static readonly string[] Meters =
    [
        PlatformTelemetry.SourceName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics", "System.Net.Http", "System.Runtime", "MassTransit", "Npgsql",
    ];

    internal static IHostApplicationBuilder AddPlatformTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var otlpEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var exportOtlp = !string.IsNullOrWhiteSpace(otlpEndpoint);
        var resourceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : serviceName;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeScopes = true;
            logging.IncludeFormattedMessage = true;
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(resourceName));
            if (exportOtlp)
            {
                logging.AddOtlpExporter();
            }
        });

        // Tracing stays on without an exporter: it is what carries traceparent from the gateway
        // through every service and the broker.
        builder.Services.AddSingleton(_ => OpenTelemetrySdk.Create(otel =>
        {
            otel.ConfigureResource(resource => resource.AddService(resourceName));
            otel.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                .AddSource(ActivitySources));
            otel.WithMetrics(metrics => metrics.AddMeter(Meters));
            if (exportOtlp)
            {
                otel.UseOtlpExporter();
            }
        }));
        builder.Services.AddHostedService<TelemetryStarter>();
        return builder;
    }

    /// <summary>Builds the SDK when the host starts; the container disposes (and flushes) it at shutdown.</summary>
    private sealed class TelemetryStarter(OpenTelemetrySdk sdk) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(sdk);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
