using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Platform.Bench;

/// <summary>
/// `bench/run dashboard`: what the operations dashboard costs the gateway. A steady load at a fixed
/// rate (BENCH_RATE requests/s, default 400) on a trivial route through the gateway (one county read
/// from Registry), in alternating phases without and with a dashboard open — one page polling its six
/// data endpoints every 5 s, as the page does; the gateway's CPU in each (the dashboard must add
/// less than 2 percentage points of a core). Then the data endpoints' latency under the same load,
/// each read when its short cache has expired, as a page's poll finds it (p50/p99 &lt; 100 ms).
/// </summary>
public static class DashboardBench
{
    private const string OperatorKey = "bench-operator-key";
    private const string CountyCode = "510001";

    private static readonly string[] Endpoints =
        ["/ops/api/services", "/ops/api/traffic", "/ops/api/messaging", "/ops/api/business", "/ops/api/integrations", "/ops/api/traces"];

    public static async Task RunAsync(Figures figures, CancellationToken cancellationToken)
    {
        var rate = Setting("BENCH_RATE", 400);
        var phaseSeconds = Setting("BENCH_PHASE_SECONDS", 20);
        var pairs = Setting("BENCH_PHASE_PAIRS", 3);
        var samples = Setting("BENCH_LATENCY_ROUNDS", 40);
        // Long enough for tiered compilation to settle, so the first phase is not charged for it.
        var warmUp = Setting("BENCH_WARMUP_SECONDS", 30);
        using var run = await RunFolder.CreateAsync(cancellationToken);
        await using var platform = await BenchPlatform.StartAsync(run, cancellationToken,
            gatewayEnvironment: new Dictionary<string, string> { ["Gateway__OperatorKey"] = OperatorKey });

        using var load = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(platform.Gateway), Timeout = TimeSpan.FromSeconds(30) };
        (await load.PostAsJsonAsync("/api/registry/counties", new { code = CountyCode, name = "基准县" }, cancellationToken)).EnsureSuccessStatusCode();
        using var operatorClient = new HttpClient { BaseAddress = new Uri(platform.Gateway), Timeout = TimeSpan.FromSeconds(30) };
        operatorClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        foreach (var endpoint in Endpoints)
        {
            (await operatorClient.GetAsync(endpoint, cancellationToken)).EnsureSuccessStatusCode();
        }

        var gateway = new CpuSampler("gateway", platform.ProcessId("gateway"), withChildren: false);
        Log.Write($"steady load: {rate} requests/s on GET /api/registry/counties/{CountyCode} through the gateway; {warmUp} s warm-up with the dashboard open");
        await SteadyLoadAsync(load, rate, TimeSpan.FromSeconds(warmUp), operatorClient, cancellationToken);

        var without = new List<double>();
        var with = new List<double>();
        long requests = 0, errors = 0;
        for (var pair = 0; pair < pairs; pair++)
        {
            foreach (var open in new[] { false, true })
            {
                var before = gateway.Seconds();
                var watch = Stopwatch.StartNew();
                var (sent, failed) = await SteadyLoadAsync(load, rate, TimeSpan.FromSeconds(phaseSeconds), open ? operatorClient : null, cancellationToken);
                var cores = (gateway.Seconds() - before) / watch.Elapsed.TotalSeconds;
                (open ? with : without).Add(cores);
                requests += sent;
                errors += failed;
                Log.Write($"phase {pair + 1} {(open ? "with the dashboard open" : "without the dashboard")}: gateway {cores * 100:F1}% of a core, {sent} requests, {failed} errors");
            }
        }
        var withoutCpu = without.Average() * 100;
        var withCpu = with.Average() * 100;

        Log.Write($"data endpoints: {samples} polls of all six, each after its cache expired, under the same load");
        var latencies = Endpoints.ToDictionary(e => e, _ => new List<double>());
        using var latencyLoad = new CancellationTokenSource();
        var background = SteadyLoadAsync(load, rate, TimeSpan.FromHours(1), null, latencyLoad.Token);
        for (var round = 0; round < samples; round++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2_100), cancellationToken);
            var timings = await Task.WhenAll(Endpoints.Select(async endpoint =>
            {
                var watch = Stopwatch.StartNew();
                using var response = await operatorClient.GetAsync(endpoint, cancellationToken);
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                response.EnsureSuccessStatusCode();
                return (endpoint, watch.Elapsed.TotalMilliseconds);
            }));
            foreach (var (endpoint, ms) in timings)
            {
                latencies[endpoint].Add(ms);
            }
        }
        latencyLoad.Cancel();
        await background;

        var all = latencies.Values.SelectMany(v => v).Order().ToArray();
        Log.Write($"gateway CPU without the dashboard {withoutCpu:F2}% of a core, with it {withCpu:F2}% (+{withCpu - withoutCpu:F2} points); " +
                  $"data endpoints p50 {Percentile(all, 0.5):F1} ms, p99 {Percentile(all, 0.99):F1} ms");
        figures.Set("rate_per_s", rate);
        figures.Set("phase_s", phaseSeconds);
        figures.Set("phase_pairs", pairs);
        figures.Set("phases_without_pct", string.Join(" ", without.Select(c => (c * 100).ToString("F1", System.Globalization.CultureInfo.InvariantCulture))));
        figures.Set("phases_with_pct", string.Join(" ", with.Select(c => (c * 100).ToString("F1", System.Globalization.CultureInfo.InvariantCulture))));
        figures.Set("load_requests", requests);
        figures.Set("load_errors", errors);
        figures.Set("gateway_cpu_pct_without", withoutCpu, 2);
        figures.Set("gateway_cpu_pct_with", withCpu, 2);
        figures.Set("dashboard_cpu_pct_points", withCpu - withoutCpu, 2);
        figures.Set("dashboard_cpu_relative_pct", withoutCpu == 0 ? 0 : (withCpu - withoutCpu) / withoutCpu * 100, 1);
        figures.Set("endpoints_p50_ms", Percentile(all, 0.5), 1);
        figures.Set("endpoints_p99_ms", Percentile(all, 0.99), 1);
        foreach (var (endpoint, values) in latencies)
        {
            var sorted = values.Order().ToArray();
            var name = endpoint.Split('/')[^1];
            figures.Set($"{name}_p50_ms", Percentile(sorted, 0.5), 1);
            figures.Set($"{name}_p99_ms", Percentile(sorted, 0.99), 1);
        }
        figures.Set("target_cpu_pct_points", 2);
        figures.Set("target_p99_ms", 100);
    }

    /// <summary>
    /// <paramref name="rate"/> requests per second for <paramref name="duration"/>, issued on a clock
    /// (not as fast as answers come back), at most 256 in flight; with a dashboard client, one page's
    /// poll of every panel every 5 s.
    /// </summary>
    private static async Task<(long Sent, long Failed)> SteadyLoadAsync(HttpClient client, int rate, TimeSpan duration, HttpClient? dashboard, CancellationToken cancellationToken)
    {
        const int TicksPerSecond = 50;
        using var inFlight = new SemaphoreSlim(256);
        long sent = 0, failed = 0;
        var pending = new List<Task>();
        var watch = Stopwatch.StartNew();
        var nextPoll = TimeSpan.Zero;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / TicksPerSecond));
        try
        {
            while (watch.Elapsed < duration && await timer.WaitForNextTickAsync(cancellationToken))
            {
                var due = (long)(watch.Elapsed.TotalSeconds * rate) - sent;
                for (var i = 0; i < due; i++)
                {
                    sent++;
                    if (!inFlight.Wait(0))
                    {
                        failed++;
                        continue;
                    }
                    pending.Add(SendAsync(client, $"/api/registry/counties/{CountyCode}", inFlight, () => Interlocked.Increment(ref failed)));
                }
                if (dashboard is not null && watch.Elapsed >= nextPoll)
                {
                    nextPoll += TimeSpan.FromSeconds(5);
                    pending.AddRange(Endpoints.Select(endpoint => SendAsync(dashboard, endpoint, null, () => { })));
                }
                pending.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The latency phase stops its background load this way.
        }
        await Task.WhenAll(pending);
        return (sent, Interlocked.Read(ref failed));
    }

    private static async Task SendAsync(HttpClient client, string path, SemaphoreSlim? inFlight, Action failed)
    {
        try
        {
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
            if (!response.IsSuccessStatusCode)
            {
                failed();
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            failed();
        }
        finally
        {
            inFlight?.Release();
        }
    }

    private static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(share * sorted.Length) - 1)];

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;
}
