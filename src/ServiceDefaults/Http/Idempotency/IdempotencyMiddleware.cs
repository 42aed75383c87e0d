using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.ServiceDefaults.Http.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on every POST of every service, in one place. The handler runs inside a
/// transaction that also stores its answer, so the effect and the stored answer commit together:
/// a retry with the same key and body gets the stored answer (<c>Idempotent-Replayed: true</c>) and
/// no second effect; the same key with a different request answers 422; a retry while the first is
/// still running answers 409. Only a success (2xx) is stored: any other answer rolls the transaction
/// back (a refusal writes nothing) and leaves the key free, so a retry, with the same or a corrected
/// body, runs again rather than replaying a refusal that may no longer hold (a copy that had not
/// arrived yet, a lost race). Keys belong to the calling client within the county of the path, so two
/// integrators of one county never meet each other's keys or answers. Handlers must not begin their
/// own transaction (SaveChanges joins this one).
/// An answer marked <c>Cache-Control: no-store</c> (one that shows a secret once) is stored without
/// its body: a retry gets the status and <c>Location</c>, never the secret. Endpoints that forward
/// the call to a service applying the key itself (<see cref="IdempotencyAppliedDownstream"/>) are skipped.
/// </summary>
public static class IdempotencyMiddleware
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 200;

    internal static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.TryGetValue(HeaderName, out var values)
            || context.GetEndpoint()?.Metadata.GetMetadata<IdempotencyAppliedDownstream>() is not null)
        {
            await next(context);
            return;
        }
        var db = context.RequestServices.GetService<ServiceDbContext>();
        if (db is null)
        {
            await next(context);
            return;
        }
        var key = values.ToString();
        if (!IsValidKey(key))
        {
            var errors = new ValidationErrors().Add(HeaderName,
                $"'{HeaderName}' must be 1 to {MaxKeyLength} visible ASCII characters (a UUID is a good choice).");
            await errors.ToProblem().ExecuteAsync(context);
            return;
        }
        await HandleAsync(context, next, db, key);
    });

    private static async Task HandleAsync(HttpContext context, RequestDelegate next, ServiceDbContext db, string key)
    {
        var cancellationToken = context.RequestAborted;
        var clock = context.RequestServices.GetRequiredService<TimeProvider>();
        var options = context.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value;
        var tenant = context.RequestServices.GetRequiredService<ITenantContext>();
        var scope = ScopeOf(tenant.CountyId, context.User.ClientId());
        var requestHash = await HashRequestAsync(context.Request, cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var locked = await db.Database
            .SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock(hashtextextended({scope + "/" + key}, 0)) AS \"Value\"")
            .SingleAsync(cancellationToken);
        if (!locked)
        {
            await Problems.Conflict(ProblemCodes.IdempotencyKeyInUse,
                $"A request with this {HeaderName} is still being processed; retry when it has finished.", HeaderName).ExecuteAsync(context);
            return;
        }

        var now = clock.GetUtcNow();
        var stored = await db.Set<IdempotencyRecord>().AsNoTracking()
            .FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key && r.ExpiresAt > now, cancellationToken);
        if (stored is not null)
        {
            if (stored.RequestHash != requestHash)
            {
                await Problems.Unprocessable(ProblemCodes.IdempotencyKeyReused,
                    $"This {HeaderName} was used with a different request; use a new key for a new request.", HeaderName).ExecuteAsync(context);
                return;
            }
            await ReplayAsync(context, stored, cancellationToken);
            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var status = context.Response.StatusCode;
        if (status is >= StatusCodes.Status200OK and < StatusCodes.Status300MultipleChoices)
        {
            var body = context.Response.Headers.CacheControl.ToString().Contains("no-store", StringComparison.OrdinalIgnoreCase) ? [] : buffer.ToArray();
            string? contentType = context.Response.ContentType;
            string? location = context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null;
            string? etag = context.Response.Headers.ETag.ToString() is { Length: > 0 } e ? e : null;
            var expires = now + options.Retention;
            // An expired record of the same key may still be there: it is replaced.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO idempotency_records (scope, key, request_hash, status_code, content_type, location, etag, body, created_at, expires_at)
                VALUES ({scope}, {key}, {requestHash}, {status}, {contentType}, {location}, {etag}, {body}, {now}, {expires})
                ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
                    content_type = EXCLUDED.content_type, location = EXCLUDED.location, etag = EXCLUDED.etag, body = EXCLUDED.body,
                    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
                """, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            // Before the answer leaves: a retry that follows it at once finds the key free, not in use.
            await transaction.RollbackAsync(cancellationToken);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, cancellationToken);
    }

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord stored, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = stored.StatusCode;
        context.Response.ContentType = stored.ContentType;
        if (stored.Location is not null)
        {
            context.Response.Headers.Location = stored.Location;
        }
        if (stored.ETag is not null)
        {
            context.Response.Headers.ETag = stored.ETag;
        }
        context.Response.Headers[ReplayedHeaderName] = "true";
        context.Response.ContentLength = stored.Body.Length;
        await context.Response.Body.WriteAsync(stored.Body, cancellationToken);
    }

    /// <summary>
    /// Whose key it is: the county of the path (or the platform, for county-less paths) and the
    /// calling client (an integrator's or an operator's), e.g. <c>{county id}/{client id}</c>.
    /// </summary>
    internal static string ScopeOf(Guid? countyId, Guid? clientId) =>
        $"{countyId?.ToString("N") ?? "platform"}/{clientId?.ToString("N") ?? "anonymous"}";

    private static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    private static async Task<string> HashRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>Endpoint metadata: the endpoint forwards the call to a service that applies <c>Idempotency-Key</c> itself.</summary>
public sealed class IdempotencyAppliedDownstream
{
    public static readonly IdempotencyAppliedDownstream Instance = new();
}
