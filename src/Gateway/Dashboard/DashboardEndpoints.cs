using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

/// <summary>
/// The operations dashboard, served by the gateway to operators only: the page at
/// <see cref="PagePath"/> (plain JavaScript, inline SVG charts, nothing from elsewhere) polls one data
/// endpoint per panel under <c>/ops/api/</c>, so each panel degrades on its own. See docs/operations.
/// </summary>
public static class DashboardEndpoints
{
    public const string PagePath = "/ops/dashboard";
    public const string Tag = "Operations";

    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().Configure<IConfiguration>(DashboardOptions.Bind);
        builder.Services.AddOperatorAccess();
        var timeout = builder.Configuration.GetValue("Dashboard:ReadTimeout", TimeSpan.FromSeconds(2));
        builder.Services.AddTransient<OperatorTokenHandler>();
        builder.Services.AddHttpClient(DashboardSources.HttpClientName, client => client.Timeout = timeout).AddHttpMessageHandler<OperatorTokenHandler>();
        builder.Services.AddHttpClient(DashboardSources.ManagementClientName, client => client.Timeout = timeout);
        builder.Services.AddSingleton<DashboardSources>();
        builder.Services.AddSingleton<ServicesPanel>();
        builder.Services.AddSingleton<TrafficPanel>();
        builder.Services.AddSingleton<MessagingPanel>();
        builder.Services.AddSingleton<BusinessPanel>();
        builder.Services.AddSingleton<IntegrationsPanel>();
        builder.Services.AddSingleton<TracesPanel>();
        builder.Services.AddHostedService<ServicesMonitor>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOperatorLogin();

        var ops = app.MapGroup("/ops").RequireAuthorization(OperationsTelemetry.Policy).ExcludeFromDescription().DisableHttpMetrics();
        ops.MapGet("/dashboard", () => Asset("dashboard.html", "text/html; charset=utf-8"));
        ops.MapGet("/dashboard/{asset}", (string asset) =>
            DashboardAssets.ContentTypes.TryGetValue(asset, out var type) ? Asset(asset, type) : Results.NotFound());

        var api = ops.MapGroup("/api");
        api.MapGet("/services", async (ServicesPanel panel, CancellationToken cancellationToken) => TypedResults.Ok(await panel.ReadAsync(cancellationToken)));
        api.MapGet("/traffic", async (TrafficPanel panel, CancellationToken cancellationToken) => TypedResults.Ok(await panel.ReadAsync(cancellationToken)));
        api.MapGet("/messaging", async (MessagingPanel panel, CancellationToken cancellationToken) => TypedResults.Ok(await panel.ReadAsync(cancellationToken)));
        api.MapGet("/business", BusinessAsync);
        api.MapGet("/integrations", IntegrationsAsync);
        api.MapGet("/traces", async (TracesPanel panel, CancellationToken cancellationToken) => TypedResults.Ok(await panel.ReadAsync(cancellationToken)));
        api.MapGet("/traces/{traceId}", TraceAsync);
        return app;
    }

    private static IResult Asset(string name, string contentType)
    {
        var bytes = DashboardAssets.Bytes(name);
        return bytes is null ? Results.NotFound() : Results.Bytes(bytes, contentType);
    }

    private static async Task<Results<Ok<BusinessView>, ValidationProblem>> BusinessAsync(string? county, BusinessPanel panel, CancellationToken cancellationToken) =>
        CountyProblem(county) is { } problem ? problem : TypedResults.Ok(await panel.ReadAsync(county, cancellationToken));

    private static async Task<Results<Ok<IntegrationsView>, ValidationProblem>> IntegrationsAsync(string? county, IntegrationsPanel panel, CancellationToken cancellationToken) =>
        CountyProblem(county) is { } problem ? problem : TypedResults.Ok(await panel.ReadAsync(county, cancellationToken));

    /// <summary>The panels' county filter: a county's code.</summary>
    private static ValidationProblem? CountyProblem(string? county) =>
        county is not null && (county.Length is 0 or > 12 || !county.All(char.IsAsciiLetterOrDigit))
            ? new ValidationErrors().Add("county", "'county' must be a county code (letters and digits, at most 12).").ToProblem()
            : null;

    private static async Task<Results<Ok<TraceView>, ValidationProblem>> TraceAsync(string traceId, TracesPanel panel, CancellationToken cancellationToken)
    {
        // W3C: an id of all zeros is invalid (and no span carries it).
        if (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigit) || traceId.All(c => c == '0'))
        {
            return new ValidationErrors().Add("traceId", "'traceId' must be 32 hexadecimal digits, not all zero (a W3C trace id).").ToProblem();
        }
        return TypedResults.Ok(await panel.TraceAsync(traceId.ToLowerInvariant(), cancellationToken));
    }
}

/// <summary>The dashboard reads the services' <c>/ops/...</c> endpoints as the platform's operator: with a token the services accept.</summary>
internal sealed class OperatorTokenHandler(ServiceDefaults.Auth.PlatformTokenIssuer issuer) : DelegatingHandler
{
    private static readonly ServiceDefaults.Auth.PlatformCaller Dashboard =
        new(Guid.Empty, "operations-dashboard", null, null, [ServiceDefaults.Auth.PlatformScopes.Ops], []);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", issuer.Issue(Dashboard).Token);
        return base.SendAsync(request, cancellationToken);
    }
}
