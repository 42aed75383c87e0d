using Platform.Gateway.Webhooks;

namespace Platform.UnitTests;

/// <summary>A sending pass holds its batch for as long as the batch can take, so no other gateway sends it again meanwhile.</summary>
public sealed class WebhookLeaseTests
{
    [Theory]
    [InlineData(64, 16, 10, 4)]
    [InlineData(65, 16, 10, 5)]
    [InlineData(64, 64, 10, 1)]
    [InlineData(10, 16, 10, 1)]
    [InlineData(64, 1, 2, 64)]
    [InlineData(64, -1, 10, 1)]
    public void The_lease_covers_every_round_of_sends_at_the_request_timeout_plus_the_margin(int batch, int parallel, int timeoutSeconds, int rounds)
    {
        var settings = new WebhookOptions { BatchSize = batch, MaxParallelSends = parallel, RequestTimeout = TimeSpan.FromSeconds(timeoutSeconds) };

        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds * rounds) + WebhookOptions.LeaseMargin, settings.BatchLease());
    }

    [Fact]
    public void With_the_defaults_a_batch_whose_every_send_times_out_is_still_leased_when_its_outcomes_are_recorded()
    {
        var settings = new WebhookOptions();
        var slowest = settings.RequestTimeout * Math.Ceiling((double)settings.BatchSize / settings.MaxParallelSends);

        Assert.Equal(TimeSpan.FromSeconds(40), slowest);
        Assert.True(settings.BatchLease() > slowest, $"a lease of {settings.BatchLease()} runs out before a pass of {slowest} is recorded");
    }
}
