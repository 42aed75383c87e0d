using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.Gateway.Access;
using Platform.Gateway.Clients;

namespace Platform.UnitTests;

/// <summary>A client's token bucket admits what its limit says, whatever the rate, on a clock the test moves.</summary>
public sealed class RateLimitsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly IServiceProvider _services = new ServiceCollection().AddLogging().BuildServiceProvider();

    [Theory]
    [InlineData(15)]
    [InlineData(25)]
    [InlineData(2.5)]
    public async Task A_bucket_refills_at_exactly_its_rate_per_second(double rate)
    {
        var limits = new RateLimits(new RateLimitRefusals(_clock), _clock);
        var credential = Credential(rate, burst: 10);
        // The burst first: a full bucket.
        Assert.Equal(10, await AdmittedAsync(limits, credential));

        // Then four seconds of calls every 10 ms, far more than the limit.
        var perSecond = new List<int>();
        for (var second = 0; second < 4; second++)
        {
            var admitted = 0;
            for (var step = 0; step < 100; step++)
            {
                _clock.Advance(TimeSpan.FromMilliseconds(10));
                admitted += await AdmittedAsync(limits, credential);
            }
            perSecond.Add(admitted);
        }

        Assert.All(perSecond, n => Assert.InRange(n, Math.Floor(rate) - 1, Math.Ceiling(rate) + 1));
        Assert.InRange(perSecond.Sum(), (4 * rate) - 1, (4 * rate) + 1);
    }

    [Fact]
    public async Task Every_answer_carries_the_buckets_headers_and_a_refusal_says_when_to_retry()
    {
        var limits = new RateLimits(new RateLimitRefusals(_clock), _clock);
        var credential = Credential(rate: 15, burst: 30);

        var first = Call(credential);
        Assert.True(await limits.AdmitAsync(first));
        Assert.Equal("\"client\";q=30;w=2", first.Response.Headers["RateLimit-Policy"].ToString());
        Assert.Equal("\"client\";r=29;t=1", first.Response.Headers["RateLimit"].ToString());

        Assert.Equal(29, await AdmittedAsync(limits, credential));
        var refused = Call(credential);
        Assert.False(await limits.AdmitAsync(refused));
        Assert.Equal(StatusCodes.Status429TooManyRequests, refused.Response.StatusCode);
        Assert.Equal("1", refused.Response.Headers.RetryAfter.ToString());
        Assert.Equal("\"client\";r=0;t=1", refused.Response.Headers["RateLimit"].ToString());

        // A fifteenth of a second later (67 ms), one token is back.
        _clock.Advance(TimeSpan.FromMilliseconds(67));
        Assert.Equal(1, await AdmittedAsync(limits, credential));
    }

    /// <summary>How many calls the bucket admits now, calling until one is refused.</summary>
    private async Task<int> AdmittedAsync(RateLimits limits, Credential credential)
    {
        var admitted = 0;
        while (await limits.AdmitAsync(Call(credential)))
        {
            admitted++;
        }
        return admitted;
    }

    private DefaultHttpContext Call(Credential credential)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Items[typeof(Credential)] = credential;
        return context;
    }

    private static Credential Credential(double rate, int burst) => new()
    {
        KeyId = Guid.NewGuid(),
        Client = new ApiClient { Id = Guid.NewGuid(), Name = "岳池县 12345 热线", CountyId = null },
        ClientBucket = new BucketOptions { PermitsPerSecond = rate, Burst = burst },
    };
}
