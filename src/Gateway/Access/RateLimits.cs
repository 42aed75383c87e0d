using System.Globalization;
using System.Threading.RateLimiting;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;

namespace Platform.Gateway.Access;

/// <summary>
/// Token buckets per client and per county (shared by the county's clients), before anything else
/// runs for an authenticated call. An empty bucket answers 429 with <c>Retry-After</c>; every answer
/// carries the IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> headers of the tighter bucket
/// (draft-ietf-httpapi-ratelimit-headers: <c>"client";q=200;w=2</c>, <c>"client";r=187;t=1</c>).
/// Answers to actor headers the client may not use come first (see <see cref="ActorHeaders"/>).
/// </summary>
public sealed class RateLimits(RateLimitRefusals refusals) : ICallerGate, IDisposable
{
    private readonly PartitionedRateLimiter<Bucket> _buckets = PartitionedRateLimiter.Create<Bucket, Bucket>(
        bucket => RateLimitPartition.GetTokenBucketLimiter(bucket, OptionsFor));

    /// <summary>One bucket; its limits are part of its identity, so a changed limit starts a fresh bucket.</summary>
    public readonly record struct Bucket(string Policy, Guid Id, double PermitsPerSecond, int Burst);

    public async ValueTask<bool> AdmitAsync(HttpContext context)
    {
        if (ApiKeyAuthenticationHandler.ActorProblemOf(context) is { } problem)
        {
            await problem.ExecuteAsync(context);
            return false;
        }
        if (ApiKeyAuthenticationHandler.CredentialOf(context) is not { } credential)
        {
            return true;
        }
        var client = new Bucket("client", credential.Client.Id, credential.ClientBucket.PermitsPerSecond, credential.ClientBucket.Burst);
        using var clientLease = _buckets.AttemptAcquire(client);
        if (!clientLease.IsAcquired)
        {
            refusals.Record(client, credential.Client.Name, credential.Client.CountyCode);
            await RefuseAsync(context, client, clientLease);
            return false;
        }
        var tightest = (Bucket: client, Remaining: Remaining(client));
        if (credential.CountyBucket is { } countyOptions)
        {
            var county = new Bucket("county", credential.Client.CountyId!.Value, countyOptions.PermitsPerSecond, countyOptions.Burst);
            using var countyLease = _buckets.AttemptAcquire(county);
            if (!countyLease.IsAcquired)
            {
                refusals.Record(county, credential.Client.CountyCode ?? county.Id.ToString(), credential.Client.CountyCode);
                await RefuseAsync(context, county, countyLease);
                return false;
            }
            var remaining = Remaining(county);
            if (remaining < tightest.Remaining)
            {
                tightest = (county, remaining);
            }
        }
        WriteHeaders(context.Response.Headers, tightest.Bucket, tightest.Remaining);
        return true;
    }

    private long Remaining(Bucket bucket) => _buckets.GetStatistics(bucket)?.CurrentAvailablePermits ?? bucket.Burst;

    private static async Task RefuseAsync(HttpContext context, Bucket bucket, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        WriteHeaders(context.Response.Headers, bucket, 0, seconds);
        await Problems.Create(StatusCodes.Status429TooManyRequests, AccessProblemCodes.RateLimited, "Too many requests",
            $"The {bucket.Policy}'s rate limit ({bucket.PermitsPerSecond:0.##}/s, bursts of {bucket.Burst}) is used up; retry after {seconds} s.").ExecuteAsync(context);
    }

    private static void WriteHeaders(IHeaderDictionary headers, Bucket bucket, long remaining, int? reset = null)
    {
        // The window a full bucket refills in; the reset is when the bucket is full again.
        var window = Math.Max(1, (int)Math.Ceiling(bucket.Burst / bucket.PermitsPerSecond));
        var refill = reset ?? Math.Max(0, (int)Math.Ceiling((bucket.Burst - remaining) / bucket.PermitsPerSecond));
        headers["RateLimit-Policy"] = $"\"{bucket.Policy}\";q={bucket.Burst};w={window}";
        headers["RateLimit"] = $"\"{bucket.Policy}\";r={remaining};t={refill}";
    }

    private static TokenBucketRateLimiterOptions OptionsFor(Bucket bucket)
    {
        // Refill in small steps (at most ten a second) rather than a whole second's worth at once.
        var period = TimeSpan.FromSeconds(Math.Max(0.1, 1 / bucket.PermitsPerSecond));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, bucket.Burst),
            TokensPerPeriod = Math.Max(1, (int)Math.Round(bucket.PermitsPerSecond * period.TotalSeconds)),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    public void Dispose() => _buckets.Dispose();
}
