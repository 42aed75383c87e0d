using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Gateway.Clients;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http.Idempotency;

namespace Platform.Gateway.Access;

/// <summary>An API key as this instance last read it, with its client and the buckets it draws from.</summary>
public sealed class Credential
{
    public required Guid KeyId { get; init; }

    public required ApiClient Client { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The key's or its client's revocation.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    public required BucketOptions ClientBucket { get; init; }

    /// <summary>The county's bucket; none for an operator (who acts across counties).</summary>
    public BucketOptions? CountyBucket { get; init; }

    internal long Generation { get; init; }

    /// <summary>Principals and tokens by the actor headers they were made for: most calls reuse one.</summary>
    internal ConcurrentDictionary<string, ActingCaller> Callers { get; } = new(StringComparer.Ordinal);
}

/// <summary>A credential acting for one person (or for itself): its principal at the gateway and its token for the services.</summary>
public sealed class ActingCaller(PlatformCaller caller, string scheme)
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private (string Token, DateTimeOffset ExpiresAt)? _token;

    public PlatformCaller Caller { get; } = caller;

    public ClaimsPrincipal Principal { get; } = new(new ClaimsIdentity(caller.ToClaims(), scheme, PlatformClaims.ClientName, PlatformClaims.Role));

    /// <summary>The token to forward: minted once and reused until a minute before it expires.</summary>
    public string Token(PlatformTokenIssuer issuer, DateTimeOffset now)
    {
        var current = _token;
        if (current is null || current.Value.ExpiresAt - now < RenewBefore)
        {
            current = issuer.Issue(Caller);
            _token = current;
        }
        return current.Value.Token;
    }
}

/// <summary>
/// Finds the credential of a presented key by its SHA-256, reusing what was read for a short while
/// (<see cref="GatewayAccessOptions.CredentialCacheDuration"/>). Any change through the admin API
/// invalidates every entry of this instance at once.
/// </summary>
public sealed class CredentialStore(IMemoryCache cache, IOptions<GatewayAccessOptions> options)
{
    private const string CachePrefix = "credential:";
    private static readonly Credential Unknown = new()
    {
        KeyId = Guid.Empty, Client = new ApiClient { Name = "" }, ClientBucket = new BucketOptions(),
    };
    private long _generation;

    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Invalidates once the request's change is committed: a change still in the transaction of an
    /// Idempotency-Key would otherwise be read back as it was, and kept, by a request meanwhile.
    /// </summary>
    public Task InvalidateAfterCommitAsync(HttpContext http, DbContext db, CancellationToken cancellationToken) =>
        http.RunAfterCommitAsync(db, _ =>
        {
            Invalidate();
            return Task.CompletedTask;
        }, cancellationToken);

    /// <param name="services">The request's services: the database is only reached when this instance has no fresh entry.</param>
    public async ValueTask<Credential?> FindAsync(string key, IServiceProvider services, CancellationToken cancellationToken)
    {
        var hash = ApiKeys.Hash(key);
        var generation = Interlocked.Read(ref _generation);
        if (cache.TryGetValue(CachePrefix + hash, out Credential? cached) && cached!.Generation == generation)
        {
            return cached.KeyId == Guid.Empty ? null : cached;
        }
        var db = services.GetRequiredService<GatewayDbContext>();
        var found = await db.Keys.AsNoTracking().Where(k => k.Hash == hash)
            .Join(db.Clients.AsNoTracking(), k => k.ClientId, c => c.Id, (k, c) => new { Key = k, Client = c })
            .FirstOrDefaultAsync(cancellationToken);
        var credential = Unknown;
        if (found is not null)
        {
            var limits = options.Value.RateLimits;
            BucketOptions? countyBucket = null;
            if (found.Client.CountyId is { } countyId)
            {
                var own = await db.CountyRateLimits.AsNoTracking().FirstOrDefaultAsync(l => l.CountyId == countyId, cancellationToken);
                countyBucket = own is null ? limits.County : new BucketOptions { PermitsPerSecond = own.PermitsPerSecond, Burst = own.Burst };
            }
            credential = new Credential
            {
                KeyId = found.Key.Id,
                Client = found.Client,
                ExpiresAt = found.Key.ExpiresAt,
                RevokedAt = found.Key.RevokedAt ?? found.Client.RevokedAt,
                ClientBucket = found.Client.RatePerSecond is { } rate && found.Client.RateBurst is { } burst
                    ? new BucketOptions { PermitsPerSecond = rate, Burst = burst }
                    : limits.Client,
                CountyBucket = countyBucket,
                Generation = generation,
            };
        }
        else
        {
            credential = new Credential { KeyId = Guid.Empty, Client = Unknown.Client, ClientBucket = Unknown.ClientBucket, Generation = generation };
        }
        cache.Set(CachePrefix + hash, credential, options.Value.CredentialCacheDuration);
        return credential.KeyId == Guid.Empty ? null : credential;
    }
}
