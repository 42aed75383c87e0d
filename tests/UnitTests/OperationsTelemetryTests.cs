using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.UnitTests;

public sealed class OperationsTelemetryTests
{
    [Fact]
    public void Percentiles_are_read_from_the_added_up_histogram_within_the_right_bucket()
    {
        var histogram = new long[LatencyHistogram.BucketCount];
        for (var i = 0; i < 90; i++)
        {
            histogram[LatencyHistogram.BucketOf(4)]++;   // (3, 5]
        }
        for (var i = 0; i < 10; i++)
        {
            histogram[LatencyHistogram.BucketOf(400)]++; // (300, 500]
        }

        Assert.InRange(LatencyHistogram.Percentile(histogram, 0.5)!.Value, 3, 5);
        Assert.InRange(LatencyHistogram.Percentile(histogram, 0.95)!.Value, 300, 500);
        Assert.Null(LatencyHistogram.Percentile(new long[LatencyHistogram.BucketCount], 0.5));
        // A histogram without its empty tail (as minutes travel) reads the same.
        Assert.Equal(LatencyHistogram.Percentile(histogram, 0.99), LatencyHistogram.Percentile(histogram[..(LatencyHistogram.BucketOf(400) + 1)], 0.99));
    }

    [Fact]
    public void The_traffic_window_keeps_one_hour_of_minutes_and_counts_errors_rejections_counties_and_clients()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        var window = new TrafficWindow(clock);
        window.Record("GET", "/api/dispatch/counties/{county}/requests", 200, 12, "511621", "anonymous");
        window.Record("GET", "/api/dispatch/counties/{county}/requests", 503, 40, "511621", "anonymous");
        window.Record("POST", "/api/dispatch/counties/{county}/requests", 400, 3, "511622", "hotline");
        clock.Advance(TimeSpan.FromMinutes(30));
        window.Record("GET", "/api/dispatch/counties/{county}/requests", 200, 8, "511621", "anonymous");

        var minutes = window.ServiceMinutes();
        Assert.Equal([3L, 1L], minutes.Select(m => m.Requests));
        Assert.Equal(1, minutes[0].Errors);
        Assert.Equal(1, minutes[0].Rejections);
        var get = Assert.Single(window.Routes(), r => r.Method == "GET");
        Assert.Equal((3L, 1L, 0L), (get.Requests, get.Errors, get.Rejections));
        Assert.Equal((3L, 1L), window.Counties().Single(c => c.Key == "511621") is var county ? (county.Requests, county.Failures) : default);
        Assert.Equal(1, window.Clients().Single(c => c.Key == "hotline").Failures);

        // An hour later the first minute has left the window.
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal([1L], window.ServiceMinutes().Select(m => m.Requests));
    }

    [Theory]
    [InlineData("/api/dispatch/counties/511621/requests/4f2", "511621")]
    [InlineData("/api/registry/counties/511621", "511621")]
    [InlineData("/api/registry/counties", null)]
    [InlineData("/ops/api/business", null)]
    public void The_county_of_a_request_is_read_from_its_path(string path, string? county) =>
        Assert.Equal(county, OperationsTelemetry.CountyOf(path));

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
