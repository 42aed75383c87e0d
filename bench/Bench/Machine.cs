using System.Diagnostics;
using System.Globalization;

namespace Platform.Bench;

/// <summary>
/// Whether the machine was ours during a measurement: CPU used by processes that are not part of the
/// run (another job on the same two cores) and CPU stolen by the hypervisor, from /proc. Either one
/// lowers the figures; a run where they are high is to be repeated, not compared.
/// </summary>
public static class Machine
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux.
    private static readonly HashSet<int> Roots = [Environment.ProcessId];
    private static double _measured;
    private static double _other;
    private static double _steal;

    public static int Cores { get; } = Environment.ProcessorCount;

    /// <summary>A process tree of the run that is not a descendant of ours (PostgreSQL daemonizes).</summary>
    public static void AddRoot(int pid)
    {
        lock (Roots)
        {
            Roots.Add(pid);
        }
    }

    public static Window Begin(string name) => new(name);

    /// <summary>
    /// After a warm-up, in process: waits (up to <paramref name="limit"/>) until the JIT has compiled
    /// nothing for a second. Under load on two cores, tiered compilation lags far behind (it defers
    /// tier-up while new code keeps running), and a measurement taken then counts the JIT's work and
    /// unoptimised code — up to half the throughput.
    /// </summary>
    public static async Task WaitJitSettledAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var first = System.Runtime.JitInfo.GetCompiledMethodCount();
        var last = first;
        var stableSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(stableSince) < TimeSpan.FromSeconds(1) && watch.Elapsed < limit)
        {
            await Task.Delay(200, cancellationToken);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last)
            {
                last = now;
                stableSince = Stopwatch.GetTimestamp();
            }
        }
        Log.Write($"  [JIT: {last - first} methods compiled while settling, {watch.Elapsed.TotalSeconds:F1} s{(watch.Elapsed >= limit ? ", still compiling" : "")}]");
    }

    /// <summary>
    /// Before a measurement: waits (up to <paramref name="limit"/>) for a second in which other
    /// processes used under 10% of the machine, so that another job's burst does not land in the figures.
    /// </summary>
    public static async Task WaitQuietAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var machine = ReadMachine();
            var ours = ReadOurs();
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(1000, cancellationToken);
            var capacity = Stopwatch.GetElapsedTime(start).TotalSeconds * Cores * TicksPerSecond;
            var other = (ReadMachine().Busy - machine.Busy) - (ReadOurs() - ours);
            if (other < 0.10 * capacity)
            {
                return;
            }
            if (watch.Elapsed > limit)
            {
                Log.Write($"  the machine is busy with other processes ({100 * other / capacity:F0}%); measuring anyway");
                return;
            }
        }
    }

    /// <summary>
    /// Before a latency measurement of one call at a time: waits (up to <paramref name="limit"/>) for
    /// two seconds in a row in which the whole machine, the run's own processes included, used under
    /// 10% of its CPU, so that the platform's own catching up (consumers, PostgreSQL's autovacuum and
    /// checkpoints after a bulk load) does not land in the figures.
    /// </summary>
    public static async Task WaitIdleAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var quiet = 0;
        var busyShare = 0.0;
        while (quiet < 2)
        {
            var machine = ReadMachine();
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(1000, cancellationToken);
            busyShare = (ReadMachine().Busy - machine.Busy) / (Stopwatch.GetElapsedTime(start).TotalSeconds * Cores * TicksPerSecond);
            quiet = busyShare < 0.10 ? quiet + 1 : 0;
            if (watch.Elapsed > limit)
            {
                Log.Write($"  the machine did not fall idle within {limit.TotalSeconds:F0} s ({100 * busyShare:F0}% busy); measuring anyway");
                return;
            }
        }
        Log.Write($"  [idle after {watch.Elapsed.TotalSeconds:F1} s]");
    }

    /// <summary>Other processes' CPU, as a percentage of the machine's capacity over every measurement window.</summary>
    public static double OtherPercent => _measured > 0 ? 100 * _other / (_measured * Cores) : 0;

    public static double StealPercent => _measured > 0 ? 100 * _steal / (_measured * Cores) : 0;

    public sealed class Window
    {
        private readonly string _name;
        private readonly long _start = Stopwatch.GetTimestamp();
        private readonly (long Busy, long Steal) _machine = ReadMachine();
        private readonly long _ours = ReadOurs();

        internal Window(string name) => _name = name;

        public void End()
        {
            var seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            var machine = ReadMachine();
            var busy = (machine.Busy - _machine.Busy) / TicksPerSecond;
            var steal = (machine.Steal - _machine.Steal) / TicksPerSecond;
            var ours = (ReadOurs() - _ours) / TicksPerSecond;
            var other = Math.Max(0, busy - ours);
            _measured += seconds;
            _other += other;
            _steal += steal;
            var capacity = seconds * Cores;
            var warning = other / capacity > 0.05 || steal / capacity > 0.05 ? " — the machine was not ours alone: repeat the run" : "";
            Log.Write($"  [{_name}: {seconds:F1} s, CPU used by the run {100 * ours / capacity:F0}%, by other processes {100 * other / capacity:F0}%, stolen {100 * steal / capacity:F0}%{warning}]");
        }
    }

    /// <summary>Busy ticks (user, nice, system, irq, softirq) and steal ticks of all CPUs.</summary>
    private static (long Busy, long Steal) ReadMachine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int index) => fields.Length > index ? long.Parse(fields[index], CultureInfo.InvariantCulture) : 0;
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7), Field(8));
    }

    /// <summary>CPU ticks of the run's processes: every process under a root, including the children they reaped.</summary>
    private static long ReadOurs()
    {
        var processes = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // After "pid (comm)": ppid is field 4, utime..cstime fields 14-17.
                processes[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture),
                    Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // Gone meanwhile.
            }
        }
        int[] roots;
        lock (Roots)
        {
            roots = [.. Roots];
        }
        long ticks = 0;
        foreach (var (pid, (_, own)) in processes)
        {
            for (var current = pid; current > 1 && processes.TryGetValue(current, out var process); current = process.Parent)
            {
                if (roots.Contains(current))
                {
                    ticks += own;
                    break;
                }
            }
        }
        return ticks;
    }
}
