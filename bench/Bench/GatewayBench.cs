using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Bench;

/// <summary>
/// `bench/run gateway`: what the gateway's additions (API key authentication, actor checks, the
/// client's and the county's token buckets, minting the service token, forwarding) cost, in one run:
/// a trivial GET (Registry answers a county from its cache) and a database-backed GET (a page of a
/// county's areas), each direct to Registry with the gateway's token, through a bare YARP route
/// (one catch-all, nothing else) and through the gateway with a county's API key.
/// </summary>
public static class GatewayBench
{
    private const string CountyCode = "511621";

    public static async Task RunAsync(Figures figures, CancellationToken cancellationToken)
    {
        var seconds = Setting("BENCH_HTTP_SECONDS", 6);
        var warmUpSeconds = Setting("BENCH_HTTP_WARMUP_SECONDS", 6);
        using var run = await RunFolder.CreateAsync(cancellationToken);
        await using var platform = await BenchPlatform.StartAsync(run, cancellationToken);

        Log.Write("starting a bare YARP route in front of Registry");
        var bareUrl = $"http://127.0.0.1:{Platform.LocalInfrastructure.FreePort.Next()}";
        await using var bare = Foundation.Start(run, "bare-yarp", "bench/Bench", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = bareUrl,
            [HttpCeilings.ServeVariable] = HttpCeilings.BareYarpValue,
            [HttpCeilings.DestinationVariable] = platform.Urls["registry"],
        });
        await Foundation.WaitHealthyAsync([(bare, bareUrl)], cancellationToken);

        var key = await PrepareAsync(platform, cancellationToken);
        var serviceToken = "Authorization: Bearer " + BenchAuth.ServiceToken();
        var apiKey = "Authorization: Bearer " + key;
        var trivial = $"/api/registry/counties/{CountyCode}";
        var database = $"/api/registry/counties/{CountyCode}/areas?pageSize=20";
        var targets = new (string Key, string Url, string Header)[]
        {
            ("trivial_direct", platform.Urls["registry"] + trivial, serviceToken),
            ("trivial_bare_yarp", bareUrl + trivial, serviceToken),
            ("trivial_gateway", platform.Gateway + trivial, apiKey),
            ("db_direct", platform.Urls["registry"] + database, serviceToken),
            ("db_bare_yarp", bareUrl + database, serviceToken),
            ("db_gateway", platform.Gateway + database, apiKey),
        };
        foreach (var (_, url, header) in targets)
        {
            Log.Write($"warming up {url} ({warmUpSeconds} s)");
            await Wrk.RunAsync(url, warmUpSeconds, cancellationToken, header);
        }
        await Machine.WaitJitSettledAsync(TimeSpan.FromSeconds(20), cancellationToken);

        // Interleaved rounds, the median of each: other load on the shared cores drifts, and the
        // ratios compare figures measured side by side.
        var rounds = Setting("BENCH_ROUNDS", 3);
        var samples = targets.ToDictionary(t => t.Key, _ => new List<Wrk.Result>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, url, header) in targets)
            {
                await Machine.WaitQuietAsync(TimeSpan.FromSeconds(10), cancellationToken);
                Log.Write($"round {round}/{rounds}: wrk -t2 -c32 -d{seconds}s --latency {url}");
                var window = Machine.Begin(name);
                var sample = await Wrk.RunAsync(url, seconds, cancellationToken, header);
                window.End();
                Log.Write($"  {sample.Rps:F0} req/s, p50 {sample.P50Ms:F2} ms, p99 {sample.P99Ms:F2} ms, {sample.Errors} errors of {sample.Requests}");
                samples[name].Add(sample);
            }
        }
        var results = new Dictionary<string, Wrk.Result>();
        foreach (var (name, runs) in samples)
        {
            var result = results[name] = new Wrk.Result(Median(runs, r => r.Rps), Median(runs, r => r.P50Ms), Median(runs, r => r.P99Ms),
                runs.Sum(r => r.Requests), runs.Sum(r => r.Errors));
            figures.Set($"{name}_rps", result.Rps, 0);
            figures.Set($"{name}_p50_ms", result.P50Ms, 3);
            figures.Set($"{name}_p99_ms", result.P99Ms, 3);
        }
        figures.Set("rounds", rounds);

        // Our additions on the trivial GET, against bare YARP's throughput (target: they cost at most 15%).
        var additions = 1 - (results["trivial_gateway"].Rps / results["trivial_bare_yarp"].Rps);
        figures.Set("trivial_bare_yarp_direct_ratio", results["trivial_bare_yarp"].Rps / results["trivial_direct"].Rps, 3);
        figures.Set("trivial_gateway_bare_yarp_ratio", results["trivial_gateway"].Rps / results["trivial_bare_yarp"].Rps, 3);
        figures.Set("trivial_additions_cost_pct", 100 * additions, 1);
        figures.Set("trivial_additions_cost_target_pct", 15);
        // The database-backed GET: the full gateway path keeps at least 70% of direct and adds at most 1 ms at p50.
        figures.Set("db_gateway_direct_ratio", results["db_gateway"].Rps / results["db_direct"].Rps, 3);
        figures.Set("db_gateway_direct_ratio_target", 0.70, 2);
        figures.Set("db_added_p50_ms", results["db_gateway"].P50Ms - results["db_direct"].P50Ms, 3);
        figures.Set("db_added_p50_ms_target", 1.0, 1);
        figures.Set("baseline_bare_yarp_direct_ratio", 0.35, 2);
        figures.Set("targets_met", additions <= 0.15
            && results["db_gateway"].Rps / results["db_direct"].Rps >= 0.70
            && results["db_gateway"].P50Ms - results["db_direct"].P50Ms <= 1.0);
        var errors = results.Values.Sum(r => r.Errors);
        figures.Set("http_errors", errors);
        figures.Set("other_processes_cpu_pct", Machine.OtherPercent, 1);
        figures.Set("cpu_steal_pct", Machine.StealPercent, 1);
        if (errors > 0)
        {
            Log.Write("WARNING: some requests failed; the figures are not meaningful");
        }
    }

    /// <summary>The county with a page's worth of areas, a high county bucket, and a county client whose key the gateway figures use.</summary>
    private static async Task<string> PrepareAsync(BenchPlatform platform, CancellationToken cancellationToken)
    {
        using var admin = platform.GatewayClient();
        await ExpectAsync(await admin.PostAsJsonAsync("/api/registry/counties", new { code = CountyCode, name = "岳池县" }, cancellationToken), HttpStatusCode.Created, cancellationToken);
        var street = await ExpectAsync(await admin.PostAsJsonAsync($"/api/registry/counties/{CountyCode}/areas",
            new { code = "S01", name = "九龙街道", level = "street" }, cancellationToken), HttpStatusCode.Created, cancellationToken);
        for (var i = 1; i <= 30; i++)
        {
            await ExpectAsync(await admin.PostAsJsonAsync($"/api/registry/counties/{CountyCode}/areas",
                new { code = $"C{i:D2}", name = $"第{i}社区", level = "community", parentId = street.GetProperty("id").GetGuid() }, cancellationToken), HttpStatusCode.Created, cancellationToken);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await admin.GetAsync($"/api/gateway/counties/{CountyCode}", cancellationToken)).StatusCode != HttpStatusCode.OK)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the gateway did not learn of the county");
            }
            await Task.Delay(200, cancellationToken);
        }
        // Limits on, but not the bottleneck: the buckets are checked on every call and never run dry here.
        await ExpectAsync(await admin.PutAsJsonAsync($"/api/gateway/counties/{CountyCode}/rate-limit",
            new { permitsPerSecond = 100_000, burst = 1_000_000 }, cancellationToken), HttpStatusCode.OK, cancellationToken);
        var client = await ExpectAsync(await admin.PostAsJsonAsync("/api/gateway/clients", new
        {
            name = "benchmark app", county = CountyCode, scopes = new[] { "registry:read" }, roles = new[] { "resident" },
            rateLimit = new { permitsPerSecond = 100_000, burst = 1_000_000 },
        }, cancellationToken), HttpStatusCode.Created, cancellationToken);
        return client.GetProperty("key").GetString()!;
    }

    private static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status, CancellationToken cancellationToken)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != status)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
            }
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static double Median(List<Wrk.Result> runs, Func<Wrk.Result, double> figure)
    {
        var sorted = runs.Select(figure).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;
}
