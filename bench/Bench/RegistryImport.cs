using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Platform.DemoCounty;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>
/// `bench/run registry-import`: the demo county's 8,636 members imported through the gateway into a
/// running platform (Registry, Dispatch and Evaluation consuming its events, Release build), after
/// its tree and organisations; then the same file again (a no-op), and the time for the outbox to
/// deliver every member event. Target: the members import in under 15 s.
/// </summary>
public static class RegistryImport
{
    private const string CountyCode = "511621";

    public static async Task RunAsync(Figures figures, CancellationToken cancellationToken)
    {
        using var run = await RunFolder.CreateAsync(cancellationToken);
        await using var platform = await BenchPlatform.StartAsync(run, cancellationToken);
        var files = DemoCountyGenerator.Generate();
        using var client = platform.GatewayClient();
        var loader = new DemoCountyLoader(client, line => Log.Write(line));
        await loader.EnsureCountyAsync(CountyCode, "岳池县", cancellationToken);
        await loader.ImportAsync(CountyCode, "areas", files.Areas, cancellationToken);
        await loader.ImportAsync(CountyCode, "organisations", files.Organisations, cancellationToken);

        Log.Write($"importing {DemoCountyGenerator.Members} members through the gateway");
        var watch = Stopwatch.StartNew();
        var result = await loader.ImportAsync(CountyCode, "members", files.Members, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        var created = result.GetProperty("created").GetInt32();
        Log.Write($"members: {created} created in {seconds:F2} s");

        watch.Restart();
        var again = await loader.ImportAsync(CountyCode, "members", files.Members, cancellationToken);
        var reimportSeconds = watch.Elapsed.TotalSeconds;

        Log.Write("waiting for the outbox to deliver every event");
        watch.Restart();
        await platform.WaitForAsync<long>("registry", "SELECT count(*) FROM outbox_messages", n => n == 0, TimeSpan.FromMinutes(3), "The outbox draining", cancellationToken);
        var drainSeconds = watch.Elapsed.TotalSeconds;

        figures.Set("rows", created);
        figures.Set("seconds", seconds, 2);
        figures.Set("rows_per_s", created / seconds, 0);
        figures.Set("target_seconds", 15);
        figures.Set("reimport_seconds", reimportSeconds, 2);
        figures.Set("reimport_unchanged", again.GetProperty("unchanged").GetInt32());
        figures.Set("outbox_events", created);
        figures.Set("outbox_drain_after_import_s", drainSeconds, 2);
    }
}
