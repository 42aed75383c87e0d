using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Platform.LocalInfrastructure;

/// <summary>Signals and /proc look-ups: .NET's Process.Kill only sends SIGKILL and cannot tell whose process a pid is.</summary>
internal static partial class Posix
{
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public static bool IsRoot { get; } = GetEuid() == 0;

    /// <summary>Sends a signal; false when there is no such process (or it is not ours to signal).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    /// <summary>Running, not a zombie: a child nobody reaped yet must not count as alive.</summary>
    public static bool IsAlive(int pid) => pid > 0 && ReadStat(pid) is { } stat && stat.State != 'Z';

    /// <summary>The process's start time in clock ticks since boot: with the pid, it names one process even after pid reuse.</summary>
    public static long? StartTime(int pid) => pid > 0 ? ReadStat(pid)?.StartTime : null;

    /// <summary>The executable's short name (comm), e.g. "postgres", "beam.smp", "epmd".</summary>
    public static string? Name(int pid) => ReadProc(pid, "comm")?.Trim();

    public static IReadOnlyList<string> CommandLine(int pid) =>
        ReadProc(pid, "cmdline")?.Split('\0', StringSplitOptions.RemoveEmptyEntries) ?? [];

    public static string? WorkingDirectory(int pid)
    {
        try
        {
            return new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Polls until the process is gone (or a zombie); false at the deadline.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (watch.Elapsed >= timeout)
            {
                return false;
            }
            await Task.Delay(50, cancellationToken);
        }
        return true;
    }

    /// <summary>A process recorded as "pid starttime": alive and still the same process.</summary>
    public static bool IsSameProcess(int pid, long startTime) => IsAlive(pid) && StartTime(pid) == startTime;

    public static string Describe(int pid) => $"{pid} {StartTime(pid)}";

    public static bool TryParse(string text, out int pid, out long startTime)
    {
        var parts = text.Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        startTime = 0;
        pid = 0;
        return parts.Length >= 2 && int.TryParse(parts[0], out pid) && long.TryParse(parts[1], out startTime);
    }

    private static (char State, long StartTime)? ReadStat(int pid)
    {
        // Fields after the command name, which may itself hold spaces and parentheses.
        var stat = ReadProc(pid, "stat");
        var close = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || close < 0)
        {
            return null;
        }
        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 19 && long.TryParse(fields[19], out var start) ? (fields[0][0], start) : null;
    }

    private static string? ReadProc(int pid, string entry)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/{entry}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
