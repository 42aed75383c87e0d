namespace Platform.LocalInfrastructure;

/// <summary>
/// The processes an instance started, as "pid starttime" files in its folder's pids/: a later run
/// (or the reaper of a crashed run) can stop exactly those processes and never a stranger that
/// reused a pid.
/// </summary>
internal static class PidRecords
{
    public static void Write(string instanceFolder, string role, int pid)
    {
        var folder = Path.Combine(instanceFolder, "pids");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, role + ".pid"), Posix.Describe(pid));
    }

    public static void Remove(string instanceFolder, string role)
    {
        var file = Path.Combine(instanceFolder, "pids", role + ".pid");
        if (File.Exists(file))
        {
            File.Delete(file);
        }
    }

    /// <summary>The recorded processes that are still running, by role.</summary>
    public static IReadOnlyDictionary<string, int> Alive(string instanceFolder)
    {
        var folder = Path.Combine(instanceFolder, "pids");
        var alive = new Dictionary<string, int>();
        if (!Directory.Exists(folder))
        {
            return alive;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*.pid"))
        {
            try
            {
                if (Posix.TryParse(File.ReadAllText(file), out var pid, out var start) && Posix.IsSameProcess(pid, start))
                {
                    alive[Path.GetFileNameWithoutExtension(file)] = pid;
                }
            }
            catch (IOException)
            {
                // Removed meanwhile: nothing to stop.
            }
        }
        return alive;
    }

    /// <summary>Signals every recorded process still running, waits up to <paramref name="timeout"/>, then SIGKILLs what is left.</summary>
    public static async Task StopAllAsync(string instanceFolder, int signal, TimeSpan timeout, Action<string> log, CancellationToken cancellationToken)
    {
        var alive = Alive(instanceFolder);
        foreach (var (role, pid) in alive)
        {
            log($"stopping {role} (pid {pid}) left running in {instanceFolder}");
            Posix.Signal(pid, signal);
        }
        foreach (var pid in alive.Values)
        {
            if (!await Posix.WaitForExitAsync(pid, timeout, cancellationToken))
            {
                Posix.Signal(pid, Posix.SigKill);
                await Posix.WaitForExitAsync(pid, TimeSpan.FromSeconds(5), cancellationToken);
            }
        }
    }
}
