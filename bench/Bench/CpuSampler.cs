using System.Globalization;

namespace Platform.Bench;

/// <summary>
/// CPU time (user + system) of a process and, optionally, its live children and the children it has
/// reaped — the postmaster's backends — from /proc. Tells which part used the two cores during a measurement.
/// </summary>
public sealed class CpuSampler(string name, int pid, bool withChildren)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux.

    public string Name { get; } = name;

    public double Seconds()
    {
        var (own, reaped) = Read(pid);
        var ticks = own + (withChildren ? reaped : 0);
        if (withChildren)
        {
            foreach (var child in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)))
            {
                var childPid = int.Parse(child!, CultureInfo.InvariantCulture);
                if (ParentOf(childPid) == pid)
                {
                    ticks += Read(childPid).Own;
                }
            }
        }
        return ticks / TicksPerSecond;
    }

    private static (long Own, long Reaped) Read(int pid)
    {
        var fields = Fields(pid);
        // After "pid (comm)": utime, stime, cutime, cstime are fields 14-17 (indexes 11-14 here).
        return fields.Length > 14
            ? (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
               long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture))
            : (0, 0);
    }

    private static int ParentOf(int pid) =>
        Fields(pid) is { Length: > 1 } fields && int.TryParse(fields[1], out var parent) ? parent : -1;

    private static string[] Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var end = stat.LastIndexOf(')');
            return end < 0 ? [] : stat[(end + 2)..].Split(' ');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>CPU seconds per part over one measurement.</summary>
public sealed class CpuMeter
{
    private readonly CpuSampler[] _samplers;
    private readonly double[] _start;

    public CpuMeter(params CpuSampler[] samplers)
    {
        _samplers = samplers;
        _start = samplers.Select(s => s.Seconds()).ToArray();
    }

    public IReadOnlyList<(string Name, double Seconds)> Stop() =>
        _samplers.Select((s, i) => (s.Name, s.Seconds() - _start[i])).ToList();
}
