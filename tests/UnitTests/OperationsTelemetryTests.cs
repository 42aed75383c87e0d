using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Telemetry;
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

    [Fact]
    public void The_span_window_gives_back_a_traces_spans_with_their_shown_tags_and_keeps_a_failed_entry_aside()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Ops:SpanCapacity"] = "100" }).Build();
        using var window = new SpanWindow(new ServiceIdentity("dispatch", "1.0.0", DateTimeOffset.UnixEpoch), configuration);
        var failed = ActivityTraceId.CreateRandom();
        string serverSpan;
        using (var server = Served(failed))
        {
            serverSpan = server.SpanId.ToHexString();
            server.SetTag("url.path", new string('a', 300));
            server.SetTag("http.response.status_code", 500);
            server.SetTag("not.shown", "x");
            using (var query = PlatformTelemetry.Source.StartActivity("SELECT", ActivityKind.Client)!)
            {
                query.SetTag("db.query.text", "SELECT 1");
            }
            server.AddException(new InvalidOperationException("boom"));
        }
        var fine = ActivityTraceId.CreateRandom();
        using (var server = Served(fine))
        {
            server.SetTag("http.response.status_code", 200);
        }

        var spans = window.Trace(failed.ToHexString());
        Assert.Equal(["server", "client"], spans.Select(s => s.Kind));
        var (entry, child) = (spans[0], spans[1]);
        Assert.Equal((serverSpan, "dispatch", true, "boom"), (entry.SpanId, entry.Service, entry.Error, entry.Detail));
        Assert.Equal(new string('a', 200) + "…", entry.Tags!["url.path"]);
        Assert.Equal("500", entry.Tags["http.response.status_code"]);
        Assert.False(entry.Tags.ContainsKey("not.shown"));
        Assert.Equal((serverSpan, false, "SELECT 1"), (child.ParentSpanId, child.Error, child.Tags!["db.query.text"]));
        Assert.Contains(window.Notable(), s => s.SpanId == serverSpan);
        Assert.False(window.Trace(fine.ToHexString()).Single().Error);
        Assert.Empty(window.Trace("not-a-trace"));
        Assert.Empty(window.Trace(failed.ToHexString().ToUpperInvariant()));

        // A hundred more spans fill the ring: the healthy trace is gone, the failed one was kept aside.
        for (var i = 0; i < 100; i++)
        {
            PlatformTelemetry.Source.StartActivity("step", ActivityKind.Internal, new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded))!.Dispose();
        }
        Assert.Empty(window.Trace(fine.ToHexString()));
        Assert.Equal(2, window.Trace(failed.ToHexString()).Count);

        static Activity Served(ActivityTraceId trace) => PlatformTelemetry.Source.StartActivity(
            "GET /api/dispatch/counties/{county}/requests", ActivityKind.Server, new ActivityContext(trace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true))!;
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
