using System.Diagnostics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Telemetry.Operations;

/// <summary>
/// What every service tells the operations dashboard, in memory and bounded: <c>/ops/telemetry</c>
/// (the last hour of traffic per minute, per route, county and client; notable recent spans),
/// <c>/ops/telemetry/traces/{traceId}</c> (the spans this instance holds of one trace) and
/// <c>/ops/messaging</c> (outbox backlog and age, publishes, inbox duplicates). Internal endpoints:
/// the gateway reads them service to service and never forwards <c>/ops</c>; a host that defines the
/// <see cref="Policy"/> authorization policy (the gateway, which is public) guards them with it.
/// </summary>
public static class OperationsTelemetry
{
    /// <summary>The authorization policy of operator-only endpoints.</summary>
    public const string Policy = "ops";

    public const string Prefix = "/ops";

    /// <summary>This process: machine and process id.</summary>
    public static readonly string Instance = $"{Environment.MachineName}/{Environment.ProcessId}";

    internal static IHostApplicationBuilder AddOperationsTelemetry(this IHostApplicationBuilder builder)
    {
        // The machine's clock, not the business clock: every instance's minutes and spans line up.
        builder.Services.AddSingleton(_ => new TrafficWindow(TimeProvider.System));
        builder.Services.AddSingleton<SpanWindow>();
        builder.Services.AddSingleton<MessagingCounters>();
        return builder;
    }

    /// <summary>Records every request (first in the pipeline, so it sees the final status) and maps <c>/ops/...</c>.</summary>
    internal static WebApplication UseOperationsTelemetry(this WebApplication app)
    {
        var traffic = app.Services.GetRequiredService<TrafficWindow>();
        // Listening starts now, before the first request or message.
        app.Services.GetRequiredService<SpanWindow>();
        app.Services.GetRequiredService<MessagingCounters>();
        app.Use((context, next) => RecordAsync(context, next, traffic));

        var ops = app.MapGroup(Prefix).ExcludeFromDescription().DisableHttpMetrics();
        if (app.Services.GetService<IOptions<AuthorizationOptions>>()?.Value.GetPolicy(Policy) is not null)
        {
            ops.RequireAuthorization(Policy);
        }
        ops.MapGet("/instance", (ServiceIdentity identity, TimeProvider clock) => TypedResults.Ok(Describe(identity, clock)));
        ops.MapGet("/telemetry", (TrafficWindow traffic, SpanWindow spans, ServiceIdentity identity, TimeProvider clock) =>
            TypedResults.Ok(Snapshot(traffic, spans, identity, clock)));
        ops.MapGet("/telemetry/traces/{traceId}", (string traceId, SpanWindow spans, ServiceIdentity identity) =>
            TypedResults.Ok(new TraceSpans(identity.Name, traceId, spans.Trace(traceId.ToLowerInvariant()))));
        ops.MapGet("/messaging", MessagingAsync);
        return app;
    }

    private static async Task RecordAsync(HttpContext context, RequestDelegate next, TrafficWindow traffic)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || path is "/health" or "/alive")
        {
            await next(context);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            // A request that failed has been re-executed by the exception handler without its
            // endpoint; the handler keeps the one that threw, so the failure counts on its route.
            var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
            var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
            var status = context.Response.StatusCode;
            traffic.Record(context.Request.Method, route, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds, CountyOf(path), ClientOf(context));
            Describe(Activity.Current, context.Request.Method, route, status);
        }
    }

    /// <summary>
    /// Names the request's server span by its route and records the answer, as the OpenTelemetry
    /// conventions do (ASP.NET Core's own span carries neither), so traces read "GET /api/…/{id}"
    /// and a 5xx shows as failed, here and in the OTLP export.
    /// </summary>
    private static void Describe(Activity? activity, string method, string route, int status)
    {
        if (activity is null || activity.Kind != ActivityKind.Server || !activity.IsAllDataRequested)
        {
            return;
        }
        activity.DisplayName = method + " " + route;
        activity.SetTag("http.route", route);
        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    /// <summary>The county code of <c>/api/{service}/counties/{county}/...</c>, else null.</summary>
    public static string? CountyOf(string path)
    {
        const string marker = "/counties/";
        var at = path.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0 || !path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return null;
        }
        var start = at + marker.Length;
        var end = path.IndexOf('/', start);
        var code = end < 0 ? path[start..] : path[start..end];
        return code.Length is > 0 and <= 12 ? code : null;
    }

    /// <summary>The calling integrator as authentication named it (its client id), else "anonymous".</summary>
    private static string ClientOf(HttpContext context) =>
        context.User.FindFirst("client_id")?.Value
        ?? (context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous");

    /// <summary>Who this instance is and how long it has run (on its own clock, so a shifted clock does not skew it).</summary>
    public static InstanceFigures Describe(ServiceIdentity identity, TimeProvider clock)
    {
        var business = clock.GetUtcNow();
        var now = TimeProvider.System.GetUtcNow();
        return new InstanceFigures(identity.Name, Instance, identity.Version, identity.StartedAt,
            Math.Round((business - identity.StartedAt).TotalSeconds), Math.Round((business - now).TotalSeconds), now);
    }

    public static TelemetrySnapshot Snapshot(TrafficWindow traffic, SpanWindow spans, ServiceIdentity identity, TimeProvider clock) =>
        new(Describe(identity, clock), traffic.ServiceMinutes(), traffic.Routes(), traffic.Counties(), traffic.Clients(), spans.Notable());

    private static async Task<Ok<MessagingFigures>> MessagingAsync(
        HttpContext context, MessagingCounters counters, ServiceIdentity identity, TimeProvider clock, CancellationToken cancellationToken)
    {
        OutboxFigures? outbox = null;
        string? outboxError = null;
        if (context.RequestServices.GetService<ServiceDbContext>() is { } db)
        {
            try
            {
                var row = (await db.Database.SqlQueryRaw<OutboxRow>("""
                    SELECT count(*) AS "Backlog", min(created_at) AS "Oldest", count(*) FILTER (WHERE attempts > 0) AS "Retrying",
                           (SELECT last_error FROM outbox_messages WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS "LastError"
                    FROM outbox_messages
                    """).ToListAsync(cancellationToken)).Single();
                var age = row.Oldest is { } oldest ? Math.Max(0, Math.Round((clock.GetUtcNow() - oldest).TotalSeconds, 1)) : (double?)null;
                outbox = new OutboxFigures(row.Backlog, age, row.Retrying, row.LastError);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                outboxError = "The database is not reachable: " + exception.Message;
            }
        }
        return TypedResults.Ok(new MessagingFigures(identity.Name, Instance, outbox, outboxError, counters.Published, counters.Failed,
            counters.DuplicatesByConsumer().Sum(d => d.Requests), counters.DuplicatesByConsumer()));
    }

    private sealed record OutboxRow(long Backlog, DateTimeOffset? Oldest, long Retrying, string? LastError);
}
