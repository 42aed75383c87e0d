using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Gateway.Access;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway.Clients;

/// <param name="PermitsPerSecond">Refill rate of the token bucket (0.01–100000 per second).</param>
/// <param name="Burst">Capacity of the bucket: how many calls may come at once (1–1000000).</param>
public sealed record RateLimitBody([Required] double? PermitsPerSecond, [Required] int? Burst);

/// <param name="County">The county code the client's keys reach; omit for a platform operator's client (acts across counties).</param>
/// <param name="Scopes">registry:read, registry:write, requests:read, requests:write, activities:read, activities:write, evaluation:read, evaluation:write, webhooks; operators also ops, admin.</param>
/// <param name="Roles">The roles of the people the client may act for (X-Actor-Role); an operator's client may name any.</param>
/// <param name="RateLimit">The client's own token bucket; the gateway's default when omitted.</param>
public sealed record CreateClientRequest([Required] string? Name, string? County, [Required] IReadOnlyList<string>? Scopes, IReadOnlyList<string>? Roles, RateLimitBody? RateLimit);

public sealed record UpdateClientRequest([Required] string? Name, [Required] IReadOnlyList<string>? Scopes, IReadOnlyList<string>? Roles, RateLimitBody? RateLimit);

/// <param name="OverlapSeconds">How long the client's current keys keep working (0 = stop now, at most a week; default Gateway:KeyRotationOverlap, 24 h).</param>
public sealed record RotateKeyRequest(int? OverlapSeconds);

/// <param name="Status">active, expiring (replaced, working until expiresAt), expired or revoked.</param>
public sealed record KeyResponse(Guid Id, string Prefix, string Status, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

public sealed record ClientResponse(
    Guid Id, string Name, string? County, bool Operator, IReadOnlyList<string> Scopes, IReadOnlyList<string> Roles, RateLimitBody? RateLimit,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, IReadOnlyList<KeyResponse> Keys, int Version);

/// <summary>A new key: <see cref="Key"/> is shown here once and never again.</summary>
public sealed record NewKeyResponse(string Key, KeyResponse KeyInfo, ClientResponse Client);

public sealed record CountyRateLimitResponse(string County, double PermitsPerSecond, int Burst, bool Default);

/// <summary>Who the presented credential is, as the services will see it.</summary>
public sealed record CallerResponse(
    Guid ClientId, string ClientName, string? County, bool Operator, IReadOnlyList<string> Scopes, IReadOnlyList<string> Roles,
    string? ActorRole, string? ActorId, string? ActorName, string? Channel);

/// <summary>
/// The operator's admin API for credentials (scope <c>admin</c>, which only operators' clients hold):
/// clients per county or for operators, keys shown once and stored hashed, rotation with an overlap
/// window, revocation at once, and the counties' rate limits.
/// </summary>
public static class ClientsApi
{
    public static IEndpointRouteBuilder MapClientsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/gateway/me", Me).RequireAuthorization(GatewayAccess.CallerPolicy).WithTags("Gateway")
            .WithName("gateway.Me").WithSummary("The presented credential: its client, county, scopes and the roles it acts with");
        endpoints.MapCountyDirectoryApi("gateway").RequireAuthorization(GatewayAccess.CallerPolicy);

        var clients = endpoints.MapGroup("/api/gateway/clients").WithTags("Gateway: clients").RequireScope(PlatformScopes.Admin);
        clients.MapPost("/", Create).WithName("gateway.CreateClient").WithSummary("Create a client and its first key (shown once)")
            .WithRequestExample(new { name = "岳池县 智慧社区 app", county = "511621", scopes = new[] { "registry:read", "requests:read", "requests:write", "webhooks" }, roles = new[] { "resident", "community_officer", "member" } });
        clients.MapGet("/", List).WithName("gateway.ListClients").WithSummary("List clients, by county");
        clients.MapGet("/{id:guid}", Get).WithName("gateway.GetClient").WithSummary("Get a client with its keys (prefixes only)");
        clients.MapPut("/{id:guid}", Update).WithName("gateway.UpdateClient").WithSummary("Change a client's name, scopes, roles or rate limit (If-Match)")
            .WithRequestExample(new { name = "岳池县 智慧社区 app", scopes = new[] { "registry:read", "requests:read", "requests:write" }, roles = new[] { "resident" }, rateLimit = new { permitsPerSecond = 20, burst = 40 } });
        clients.MapPost("/{id:guid}/keys", Rotate).WithName("gateway.RotateKey").WithSummary("Issue a new key (shown once); the current keys keep working for the overlap")
            .WithRequestExample(new { overlapSeconds = 86400 });
        clients.MapPost("/{id:guid}/keys/{keyId:guid}/revoke", RevokeKey).WithName("gateway.RevokeKey").WithSummary("Revoke one key at once");
        clients.MapPost("/{id:guid}/revoke", RevokeClient).WithName("gateway.RevokeClient").WithSummary("Revoke the client: every key is refused at once");

        var limits = endpoints.MapGroup($"/api/gateway/counties/{{{TenancyExtensions.CountyRouteParameter}}}/rate-limit")
            .WithTags("Gateway: clients").RequireScope(PlatformScopes.Admin);
        limits.MapGet("/", GetCountyLimit).WithName("gateway.GetCountyRateLimit").WithSummary("The county's token bucket, shared by its clients");
        limits.MapPut("/", PutCountyLimit).WithName("gateway.PutCountyRateLimit").WithSummary("Set the county's token bucket")
            .WithRequestExample(new { permitsPerSecond = 200, burst = 400 });
        return endpoints;
    }

    private static Ok<CallerResponse> Me(HttpContext http)
    {
        var caller = ApiKeyAuthenticationHandler.CallerOf(http)!.Caller;
        return TypedResults.Ok(new CallerResponse(caller.ClientId, caller.ClientName, caller.CountyCode, caller.IsOperator, caller.Scopes, caller.Roles,
            caller.ActorRole, caller.ActorId, caller.ActorName, caller.Channel));
    }

    private static async Task<Results<Created<NewKeyResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateClientRequest body, GatewayDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireText("name", body.Name, maxLength: 100);
        var isOperator = body.County is null;
        ValidateAccess(errors, isOperator, body.Scopes, body.Roles, body.RateLimit);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        County? county = null;
        if (!isOperator)
        {
            county = await db.Counties.AsNoTracking().FirstOrDefaultAsync(c => c.Code == body.County, cancellationToken);
            if (county is null)
            {
                return Problems.Unprocessable(ProblemCodes.ReferenceNotFound, $"'county' names no county known to the gateway ({body.County}).", "county");
            }
        }
        var now = clock.GetUtcNow();
        var client = new ApiClient
        {
            Id = Guid.CreateVersion7(now), Name = body.Name!.Trim(), CountyId = county?.Id, CountyCode = county?.Code,
            Scopes = [.. body.Scopes!.Distinct()], Roles = [.. (body.Roles ?? []).Distinct()],
            RatePerSecond = body.RateLimit?.PermitsPerSecond, RateBurst = body.RateLimit?.Burst, CreatedAt = now,
        };
        db.Clients.Add(client);
        var (key, row) = NewKey(client.Id, now);
        db.Keys.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        http.Response.Headers.CacheControl = "no-store";
        ETags.Tag(http, client);
        return TypedResults.Created($"/api/gateway/clients/{client.Id}", new NewKeyResponse(key, KeyOf(row, now), Response(client, [row], now)));
    }

    private static async Task<Results<Ok<Page<ClientResponse>>, ValidationProblem>> List(
        string? county, bool? includeRevoked, int? page, int? pageSize, GatewayDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.Clients.AsNoTracking();
        query = county is null ? query : county == "operator" ? query.Where(c => c.CountyId == null) : query.Where(c => c.CountyCode == county);
        query = includeRevoked == true ? query : query.Where(c => c.RevokedAt == null);
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        var ids = items.Select(c => c.Id).ToList();
        var keys = await db.Keys.AsNoTracking().Where(k => ids.Contains(k.ClientId)).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new Page<ClientResponse>(items.Select(c => Response(c, keys, now)).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> Get(Guid id, GatewayDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var client = await db.Clients.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return NotFound(id);
        }
        var keys = await db.Keys.AsNoTracking().Where(k => k.ClientId == id).ToListAsync(cancellationToken);
        ETags.Tag(http, client);
        return TypedResults.Ok(Response(client, keys, clock.GetUtcNow()));
    }

    private static async Task<Results<Ok<ClientResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateClientRequest body, GatewayDbContext db, CredentialStore store, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var client = await db.Clients.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return NotFound(id);
        }
        var errors = new ValidationErrors();
        errors.RequireText("name", body.Name, maxLength: 100);
        ValidateAccess(errors, client.IsOperator, body.Scopes, body.Roles, body.RateLimit);
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        if (client.RevokedAt is not null)
        {
            return Revoked();
        }
        if (ETags.PreconditionFailed(http, client) is { } stale)
        {
            return stale;
        }
        client.Name = body.Name!.Trim();
        client.Scopes = [.. body.Scopes!.Distinct()];
        client.Roles = [.. (body.Roles ?? []).Distinct()];
        client.RatePerSecond = body.RateLimit?.PermitsPerSecond;
        client.RateBurst = body.RateLimit?.Burst;
        await db.SaveChangesAsync(cancellationToken);
        await store.InvalidateAfterCommitAsync(http, db, cancellationToken);
        var keys = await db.Keys.AsNoTracking().Where(k => k.ClientId == id).ToListAsync(cancellationToken);
        ETags.Tag(http, client);
        return TypedResults.Ok(Response(client, keys, clock.GetUtcNow()));
    }

    private static async Task<Results<Created<NewKeyResponse>, ValidationProblem, ProblemHttpResult>> Rotate(
        Guid id, RotateKeyRequest? body, GatewayDbContext db, CredentialStore store, IOptions<GatewayAccessOptions> options, TimeProvider clock,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (body?.OverlapSeconds is < 0 or > 604_800)
        {
            return new ValidationErrors().Add("overlapSeconds", "'overlapSeconds' must be between 0 and 604800 (a week).").ToProblem();
        }
        var client = await db.Clients.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return NotFound(id);
        }
        if (client.RevokedAt is not null)
        {
            return Revoked();
        }
        if (ETags.PreconditionFailed(http, client) is { } stale)
        {
            return stale;
        }
        var now = clock.GetUtcNow();
        var until = now + (body?.OverlapSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Value.KeyRotationOverlap);
        var current = await db.Keys.Where(k => k.ClientId == id && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > until)).ToListAsync(cancellationToken);
        foreach (var key in current)
        {
            key.ExpiresAt = until;
        }
        var (secret, row) = NewKey(id, now);
        db.Keys.Add(row);
        db.Touch(client);
        await db.SaveChangesAsync(cancellationToken);
        await store.InvalidateAfterCommitAsync(http, db, cancellationToken);
        var keys = await db.Keys.AsNoTracking().Where(k => k.ClientId == id).ToListAsync(cancellationToken);
        http.Response.Headers.CacheControl = "no-store";
        ETags.Tag(http, client);
        return TypedResults.Created($"/api/gateway/clients/{id}", new NewKeyResponse(secret, KeyOf(row, now), Response(client, keys, now)));
    }

    private static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> RevokeKey(
        Guid id, Guid keyId, GatewayDbContext db, CredentialStore store, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var key = await db.Keys.FirstOrDefaultAsync(k => k.Id == keyId && k.ClientId == id, cancellationToken);
        var client = await db.Clients.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return NotFound(id);
        }
        if (key is null)
        {
            return Problems.ResourceNotFound("key", keyId);
        }
        if (ETags.PreconditionFailed(http, client) is { } stale)
        {
            return stale;
        }
        var now = clock.GetUtcNow();
        key.RevokedAt ??= now;
        db.Touch(client);
        await db.SaveChangesAsync(cancellationToken);
        await store.InvalidateAfterCommitAsync(http, db, cancellationToken);
        var keys = await db.Keys.AsNoTracking().Where(k => k.ClientId == id).ToListAsync(cancellationToken);
        ETags.Tag(http, client);
        return TypedResults.Ok(Response(client, keys, now));
    }

    private static async Task<Results<Ok<ClientResponse>, ProblemHttpResult>> RevokeClient(
        Guid id, GatewayDbContext db, CredentialStore store, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var client = await db.Clients.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null)
        {
            return NotFound(id);
        }
        if (ETags.PreconditionFailed(http, client) is { } stale)
        {
            return stale;
        }
        var now = clock.GetUtcNow();
        client.RevokedAt ??= now;
        await db.Keys.Where(k => k.ClientId == id && k.RevokedAt == null).ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, now), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await store.InvalidateAfterCommitAsync(http, db, cancellationToken);
        var keys = await db.Keys.AsNoTracking().Where(k => k.ClientId == id).ToListAsync(cancellationToken);
        ETags.Tag(http, client);
        return TypedResults.Ok(Response(client, keys, now));
    }

    private static async Task<Ok<CountyRateLimitResponse>> GetCountyLimit(ITenantContext tenant, GatewayDbContext db, IOptions<GatewayAccessOptions> options, CancellationToken cancellationToken)
    {
        var own = await db.CountyRateLimits.AsNoTracking().FirstOrDefaultAsync(l => l.CountyId == tenant.CountyId, cancellationToken);
        var fallback = options.Value.RateLimits.County;
        return TypedResults.Ok(own is null
            ? new CountyRateLimitResponse(tenant.County!.Code, fallback.PermitsPerSecond, fallback.Burst, Default: true)
            : new CountyRateLimitResponse(tenant.County!.Code, own.PermitsPerSecond, own.Burst, Default: false));
    }

    private static async Task<Results<Ok<CountyRateLimitResponse>, ValidationProblem>> PutCountyLimit(
        RateLimitBody body, ITenantContext tenant, GatewayDbContext db, CredentialStore store, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        ValidateRateLimit(errors, body, prefix: "");
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }
        var countyId = tenant.CountyId!.Value;
        var own = await db.CountyRateLimits.FirstOrDefaultAsync(l => l.CountyId == countyId, cancellationToken);
        if (own is null)
        {
            own = new CountyRateLimit { CountyId = countyId };
            db.CountyRateLimits.Add(own);
        }
        own.PermitsPerSecond = body.PermitsPerSecond!.Value;
        own.Burst = body.Burst!.Value;
        own.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await store.InvalidateAfterCommitAsync(http, db, cancellationToken);
        return TypedResults.Ok(new CountyRateLimitResponse(tenant.County!.Code, own.PermitsPerSecond, own.Burst, Default: false));
    }

    private static void ValidateAccess(ValidationErrors errors, bool isOperator, IReadOnlyList<string>? scopes, IReadOnlyList<string>? roles, RateLimitBody? rateLimit)
    {
        if (scopes is not { Count: > 0 })
        {
            errors.Add("scopes", "'scopes' must name at least one scope.");
        }
        else if (errors.RequireEntries("scopes", scopes) && scopes.FirstOrDefault(s => !PlatformScopes.All.Contains(s)) is { } unknown)
        {
            errors.Add("scopes", $"'{unknown}' is not a scope; use {string.Join(", ", PlatformScopes.All)}.");
        }
        else if (!isOperator && scopes.FirstOrDefault(PlatformScopes.OperatorOnly.Contains) is { } operatorOnly)
        {
            errors.Add("scopes", $"'{operatorOnly}' is for platform operators' clients only, not a county's.");
        }
        if (roles is not null && errors.RequireEntries("roles", roles) && roles.FirstOrDefault(r => !PlatformRoles.All.Contains(r)) is { } role)
        {
            errors.Add("roles", $"'{role}' is not a role; use {string.Join(", ", PlatformRoles.All)}.");
        }
        if (rateLimit is not null)
        {
            ValidateRateLimit(errors, rateLimit, prefix: "rateLimit.");
        }
    }

    /// <summary>A rate limit's two fields, named as the body holds them: at its top (a county's limit) or under <c>rateLimit</c> (a client's).</summary>
    private static void ValidateRateLimit(ValidationErrors errors, RateLimitBody body, string prefix)
    {
        if (body.PermitsPerSecond is not { } rate || rate is < 0.01 or > 100_000 || double.IsNaN(rate))
        {
            errors.Add(prefix + "permitsPerSecond", $"'{prefix}permitsPerSecond' is required, between 0.01 and 100000.");
        }
        if (body.Burst is not { } burst || burst is < 1 or > 1_000_000)
        {
            errors.Add(prefix + "burst", $"'{prefix}burst' is required, between 1 and 1000000.");
        }
    }

    private static (string Key, ApiKey Row) NewKey(Guid clientId, DateTimeOffset now)
    {
        var key = ApiKeys.New();
        return (key, new ApiKey { Id = Guid.CreateVersion7(now), ClientId = clientId, Prefix = ApiKeys.Prefix(key), Hash = ApiKeys.Hash(key), CreatedAt = now });
    }

    private static ProblemHttpResult NotFound(Guid id) => Problems.NotFound("client_not_found", $"No client with id {id}.");

    /// <summary>A revoked client stays as it was revoked: no new key, no change of name, scopes, roles or limit.</summary>
    private static ProblemHttpResult Revoked() => Problems.Conflict("client_revoked", "The client is revoked; create a new client instead.");

    private static KeyResponse KeyOf(ApiKey key, DateTimeOffset now) => new(key.Id, key.Prefix,
        key.RevokedAt is not null ? "revoked" : key.ExpiresAt is { } e ? e <= now ? "expired" : "expiring" : "active",
        key.CreatedAt, key.ExpiresAt, key.RevokedAt);

    private static ClientResponse Response(ApiClient client, IEnumerable<ApiKey> keys, DateTimeOffset now) => new(
        client.Id, client.Name, client.CountyCode, client.IsOperator, client.Scopes, client.Roles,
        client.RatePerSecond is { } rate ? new RateLimitBody(rate, client.RateBurst) : null,
        client.CreatedAt, client.RevokedAt,
        keys.Where(k => k.ClientId == client.Id).OrderBy(k => k.CreatedAt).Select(k => KeyOf(k, now)).ToList(), client.Version);
}
