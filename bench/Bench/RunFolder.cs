using System.Diagnostics;
using System.Globalization;

namespace Platform.Bench;

/// <summary>
/// A run's own folder under <c>$TMPDIR/platform-bench</c>: the durable PostgreSQL cluster (which the
/// library does not reap, unlike throwaway instances) and the pids of the processes the run started.
/// A run killed outright (SIGKILL) leaves them; the next run stops what is still alive and deletes
/// the folder. The RabbitMQ node is a throwaway instance: the library reaps it by itself.
/// </summary>
public sealed class RunFolder : IDisposable
{
    private const string OwnerFile = "owner";
    private const string PidsFile = "pids";

    private RunFolder(string path) => Path = path;

    public static string BaseFolder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "platform-bench");

    public string Path { get; }

    public static async Task<RunFolder> CreateAsync(CancellationToken cancellationToken)
    {
        await ReapAsync(cancellationToken);
        var path = System.IO.Path.Combine(BaseFolder, $"run-{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(path);
        await File.WriteAllTextAsync(System.IO.Path.Combine(path, OwnerFile), Describe(Environment.ProcessId), cancellationToken);
        return new RunFolder(path);
    }

    /// <summary>Records a started process, so that a run killed outright has it stopped by the next one.</summary>
    public void Record(string role, int pid)
    {
        lock (this)
        {
            File.AppendAllText(System.IO.Path.Combine(Path, PidsFile), $"{role} {Describe(pid)}\n");
        }
    }

    public void Dispose()
    {
        for (var attempt = 0; attempt < 3 && Directory.Exists(Path); attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>Stops what runs whose owner is gone left alive, and deletes their folders.</summary>
    private static async Task ReapAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(BaseFolder))
        {
            return;
        }
        foreach (var folder in Directory.EnumerateDirectories(BaseFolder, "run-*").ToList())
        {
            var owner = ReadOrEmpty(System.IO.Path.Combine(folder, OwnerFile)).Trim();
            if (TryParse(owner, out var ownerPid, out var ownerStart) && IsSameProcess(ownerPid, ownerStart))
            {
                continue; // Another run in progress.
            }
            Log.Write($"reaping {folder}: the run that made it is gone");
            foreach (var line in ReadOrEmpty(System.IO.Path.Combine(folder, PidsFile)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2 && TryParse(parts[1], out var pid, out var start) && IsSameProcess(pid, start))
                {
                    Log.Write($"  killing {parts[0]} (pid {pid})");
                    Kill(pid);
                }
            }
            // The postmaster: an immediate shutdown (SIGQUIT) still releases its shared memory.
            var data = System.IO.Path.Combine(folder, "postgres", "data");
            if (int.TryParse(ReadOrEmpty(System.IO.Path.Combine(data, "postmaster.pid")).Split('\n')[0].Trim(), out var postmaster)
                && ReadOrEmpty($"/proc/{postmaster}/comm").Trim() == "postgres")
            {
                Log.Write($"  stopping PostgreSQL (pid {postmaster})");
                Signal(postmaster, "QUIT");
                var watch = Stopwatch.StartNew();
                while (File.Exists($"/proc/{postmaster}/stat") && watch.Elapsed < TimeSpan.FromSeconds(15))
                {
                    await Task.Delay(100, cancellationToken);
                }
                Kill(postmaster);
            }
            new RunFolder(folder).Dispose();
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(5000);
    }

    /// <summary>"pid starttime": the start time (clock ticks since boot) tells a reused pid apart.</summary>
    private static string Describe(int pid) => $"{pid} {StartTime(pid)}";

    private static bool IsSameProcess(int pid, long start) => StartTime(pid) == start;

    private static long StartTime(int pid)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var end = stat.LastIndexOf(')');
        if (end < 0)
        {
            return -1;
        }
        // Fields after "pid (comm)": state is field 3, starttime field 22.
        var fields = stat[(end + 2)..].Split(' ');
        return fields.Length > 19 && fields[0] != "Z" && long.TryParse(fields[19], out var start) ? start : -1;
    }

    private static bool TryParse(string text, out int pid, out long start)
    {
        var parts = text.Split(' ');
        start = -1;
        pid = 0;
        return parts.Length == 2 && int.TryParse(parts[0], out pid) && long.TryParse(parts[1], out start) && start >= 0;
    }

    private static string ReadOrEmpty(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
