using System.Runtime.InteropServices;
using Platform.Bench;

// One mode per benchmark name; bench/run NAME runs `dotnet Bench.dll NAME`. To add a benchmark,
// add a case here (and in bench/run and bench/README.md) that fills a Figures and returns.
if (HttpCeilings.IsServeMode)
{
    // Started by a benchmark as a process of its own (an HTTP ceiling): serve until stopped.
    await HttpCeilings.RunAsync(args);
    return 0;
}

var name = args.FirstOrDefault();
Func<Figures, CancellationToken, Task>? benchmark = name switch
{
    "foundation" => Foundation.RunAsync,
    "registry-import" => RegistryImport.RunAsync,
    "dispatch" => DispatchBench.RunAsync,
    "gateway" => GatewayBench.RunAsync,
    "dashboard" => DashboardBench.RunAsync,
    "evaluation" => EvaluationBench.RunAsync,
    _ => null,
};
if (benchmark is null)
{
    Console.Error.WriteLine("usage: Bench NAME   (NAME: foundation, registry-import, dispatch, gateway, dashboard, evaluation)");
    return 2;
}

// Ctrl+C, SIGTERM or SIGHUP cancel the run: every process and server it started is still stopped.
// The whole run is bounded too.
using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(20));
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Cancel);

var figures = new Figures();
var watch = System.Diagnostics.Stopwatch.StartNew();
try
{
    await benchmark(figures, cancellation.Token);
}
catch (Exception exception)
{
    var cancelled = exception is OperationCanceledException && cancellation.IsCancellationRequested;
    Log.Write(cancelled
        ? $"{name} cancelled after {watch.Elapsed.TotalSeconds:F0} s (signal, or the 20-minute limit); everything it started is stopped"
        : $"{name} failed after {watch.Elapsed.TotalSeconds:F0} s: {exception}");
    figures.Set("error", cancelled ? "cancelled" : exception.GetType().Name + ": " + exception.Message.Split('\n')[0]);
    figures.Set("duration_s", watch.Elapsed.TotalSeconds, 1);
    Console.WriteLine(figures.ToJson());
    return 1;
}
figures.Set("duration_s", watch.Elapsed.TotalSeconds, 1);
Console.WriteLine(figures.ToJson());
return 0;

void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    Log.Write($"{context.Signal}: stopping everything");
    cancellation.Cancel();
}
