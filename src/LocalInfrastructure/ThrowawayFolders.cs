namespace Platform.LocalInfrastructure;

/// <summary>
/// Throwaway instances write the owning process id into their folder; a folder whose owner died
/// (a test run that crashed) has its servers stopped and is deleted by the next run.
/// </summary>
internal static class ThrowawayFolders
{
    private const string OwnerFile = "owner.pid";

    public static void Claim(string folder)
    {
        Directory.CreateDirectory(folder);
        var parent = Path.GetDirectoryName(folder)!;
        ReapSiblings(Path.GetDirectoryName(parent)!);
        File.WriteAllText(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString());
    }

    public static void Release(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
            var parent = Path.GetDirectoryName(folder)!;
            if (Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Stops what dead runs left under <paramref name="baseFolder"/>: PostgreSQL, RabbitMQ and epmd by their pid files.</summary>
    private static void ReapSiblings(string baseFolder)
    {
        if (!Directory.Exists(baseFolder))
        {
            return;
        }
        foreach (var owner in Directory.EnumerateFiles(baseFolder, OwnerFile, SearchOption.AllDirectories).ToList())
        {
            if (int.TryParse(File.ReadAllText(owner).Trim(), out var pid) && Shell.IsAlive(pid))
            {
                continue;
            }
            var folder = Path.GetDirectoryName(owner)!;
            foreach (var pidFile in Directory.EnumerateFiles(folder, "*.pid", SearchOption.AllDirectories))
            {
                if (Path.GetFileName(pidFile) != OwnerFile &&
                    int.TryParse(File.ReadLines(pidFile).FirstOrDefault()?.Trim(), out var server) && Shell.IsAlive(server))
                {
                    Shell.Signal(server, 9);
                }
            }
            Release(folder);
        }
    }
}
