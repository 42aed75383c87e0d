using System.Security.Cryptography;
using System.Text;

namespace Platform.LocalInfrastructure;

/// <summary>
/// Throwaway instances (tests, benchmarks) register their folder, with the owning process, under
/// one common base (<c>$TMPDIR/platform-local-infra</c>) and write owner.pid into the folder. Each
/// throwaway start reaps what crashed runs left: it stops the servers of any registered folder
/// whose owner is gone and deletes the folder.
/// </summary>
internal static class ThrowawayFolders
{
    private const string OwnerFile = "owner.pid";
    private const string Registered = ".instance";
    private const string Reaping = ".reaping";

    public static string BaseFolder { get; } = Path.Combine(Path.GetTempPath(), "platform-local-infra");

    public static async Task ClaimAsync(string folder, Action<string> log, CancellationToken cancellationToken)
    {
        await ReapAbandonedAsync(log, cancellationToken);
        var owner = Posix.Describe(Environment.ProcessId);
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory(BaseFolder);
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), owner, cancellationToken);
        await File.WriteAllTextAsync(RegistrationOf(folder), owner + "\n" + folder, cancellationToken);
    }

    /// <summary>Deletes the folder (and its parent if that leaves it empty) and its registration.</summary>
    public static void Release(string folder)
    {
        DeleteQuietly(folder);
        var parent = Path.GetDirectoryName(folder);
        try
        {
            if (parent is not null && Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Another instance is being created beside it: leave the parent.
        }
        var registration = RegistrationOf(folder);
        if (File.Exists(registration))
        {
            File.Delete(registration);
        }
    }

    public static async Task ReapAbandonedAsync(Action<string> log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(BaseFolder))
        {
            return;
        }
        foreach (var registration in Directory.EnumerateFiles(BaseFolder).ToList())
        {
            var reaping = registration.EndsWith(Reaping, StringComparison.Ordinal);
            if (!reaping && !registration.EndsWith(Registered, StringComparison.Ordinal))
            {
                continue;
            }
            string[] lines;
            try
            {
                lines = (await File.ReadAllTextAsync(registration, cancellationToken)).Split('\n', 2);
            }
            catch (IOException)
            {
                continue;
            }
            // A reaper that died half-way leaves a .reaping file whose recorded owner is dead too.
            if (lines.Length < 2 || (Posix.TryParse(lines[0], out var pid, out var start) && Posix.IsSameProcess(pid, start)))
            {
                continue;
            }
            var claim = reaping ? registration : Path.ChangeExtension(registration, Reaping);
            if (!reaping)
            {
                try
                {
                    // Only one of several concurrent reapers wins the rename.
                    File.Move(registration, claim);
                }
                catch (IOException)
                {
                    continue;
                }
            }
            var folder = lines[1].Trim();
            log($"reaping {folder}: its owner (pid {pid}) is gone");
            await StopLeftoversAsync(folder, log, cancellationToken);
            Release(folder);
            File.Delete(claim);
        }
    }

    private static async Task StopLeftoversAsync(string folder, Action<string> log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }
        // Immediate shutdown: the postmaster still removes its shared memory, which SIGKILL would leak.
        await PostgresServer.StopLeftoverAsync(Path.Combine(folder, "data"), immediate: true, log, cancellationToken);
        await PidRecords.StopAllAsync(folder, Posix.SigKill, TimeSpan.FromSeconds(5), log, cancellationToken);
    }

    private static string RegistrationOf(string folder) =>
        Path.Combine(BaseFolder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..24] + Registered);

    private static void DeleteQuietly(string folder)
    {
        // A server that has just exited can still be unlinking its own files: one retry covers it.
        for (var attempt = 0; attempt < 2 && Directory.Exists(folder); attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Retried once; a folder that stays is reported by nothing and harms nothing.
            }
        }
    }
}
