using System.Collections.Concurrent;
using System.Globalization;
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
public sealed class RateLimits(RateLimitRefusals refusals, TimeProvider clock) : ICallerGate
{
    /// <summary>How often buckets that have refilled are let go (a full bucket is what a new one would be).</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Bucket, TokenBucket> _buckets = new();
    private long _sweptAt = clock.GetTimestamp();

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
        Sweep();
        var client = new Bucket("client", credential.Client.Id, credential.ClientBucket.PermitsPerSecond, credential.ClientBucket.Burst);
        var clientTake = Take(client);
        if (!clientTake.Admitted)
        {
            refusals.Record(client, credential.Client.Name, credential.Client.CountyCode);
            await RefuseAsync(context, client, clientTake.RetryAfter);
            return false;
        }
        var tightest = (Bucket: client, clientTake.Remaining);
        if (credential.CountyBucket is { } countyOptions)
        {
            var county = new Bucket("county", credential.Client.CountyId!.Value, countyOptions.PermitsPerSecond, countyOptions.Burst);
            var countyTake = Take(county);
            if (!countyTake.Admitted)
            {
                refusals.Record(county, credential.Client.CountyCode ?? county.Id.ToString(), credential.Client.CountyCode);
                await RefuseAsync(context, county, countyTake.RetryAfter);
                return false;
            }
            if (countyTake.Remaining < tightest.Remaining)
            {
                tightest = (county, countyTake.Remaining);
            }
        }
        WriteHeaders(context.Response.Headers, tightest.Bucket, tightest.Remaining);
        return true;
    }

    private TokenBucket.Taken Take(Bucket bucket) =>
        _buckets.GetOrAdd(bucket, b => new TokenBucket(b.PermitsPerSecond, b.Burst, clock)).TryTake();

    private void Sweep()
    {
        var last = Interlocked.Read(ref _sweptAt);
        var now = clock.GetTimestamp();
        if (clock.GetElapsedTime(last, now) < SweepInterval || Interlocked.CompareExchange(ref _sweptAt, now, last) != last)
        {
            return;
        }
        foreach (var (bucket, tokens) in _buckets)
        {
            if (tokens.IsFull())
            {
                _buckets.TryRemove(new KeyValuePair<Bucket, TokenBucket>(bucket, tokens));
            }
        }
    }

    private static async Task RefuseAsync(HttpContext context, Bucket bucket, TimeSpan retryAfter)
    {
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
}

/// <summary>
/// A token bucket refilled continuously at its rate, counted in fractions of a token from the time
/// elapsed, so that any rate (15/s, 0.5/s) is kept exactly rather than rounded to whole tokens per step.
/// </summary>
public sealed class TokenBucket(double permitsPerSecond, int burst, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly int _capacity = Math.Max(1, burst);
    private double _tokens = Math.Max(1, burst);
    private long _at = clock.GetTimestamp();

    /// <param name="Remaining">Whole tokens left after this one.</param>
    /// <param name="RetryAfter">When refused: until a whole token is back.</param>
    public readonly record struct Taken(bool Admitted, long Remaining, TimeSpan RetryAfter);

    public Taken TryTake()
    {
        lock (_lock)
        {
            Refill();
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return new Taken(true, (long)Math.Floor(_tokens), TimeSpan.Zero);
            }
            var wait = permitsPerSecond > 0 ? TimeSpan.FromSeconds((1 - _tokens) / permitsPerSecond) : TimeSpan.FromDays(1);
            return new Taken(false, 0, wait);
        }
    }

    public bool IsFull()
    {
        lock (_lock)
        {
            Refill();
            return _tokens >= _capacity;
        }
    }

    private void Refill()
    {
        var now = clock.GetTimestamp();
        if (permitsPerSecond > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + (clock.GetElapsedTime(_at, now).TotalSeconds * permitsPerSecond));
        }
        _at = now;
    }
}
