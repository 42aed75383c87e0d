using System.Net.Sockets;

namespace Platform.LocalInfrastructure;

/// <summary>Runs the infrastructure's command-line tools; as root, PostgreSQL's run as the postgres user.</summary>
internal static class Tools
{
    public const string PostgresUser = "postgres";

    /// <summary>Runs a command to its end; a non-zero exit throws with its output, cancellation kills it.</summary>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres = false,
        IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var runAs = asPostgres && Posix.IsRoot;
        using var process = ChildProcess.Start(
            runAs ? "runuser" : file,
            runAs ? ["-u", PostgresUser, "--", file, .. arguments] : arguments,
            environment);
        try
        {
            var code = await process.Exited.WaitAsync(cancellationToken);
            var output = string.Join('\n', process.RecentLines());
            if (code != 0)
            {
                throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed with exit code {code}:\n{output}");
            }
            return output;
        }
        catch (OperationCanceledException)
        {
            await process.KillAsync();
            throw;
        }
    }

    /// <summary>A PostgreSQL program from PATH or Debian's PostgreSQL 15 folder.</summary>
    public static string PostgresProgram(string name) => Find(name, "/usr/lib/postgresql/15/bin")
        ?? throw new FileNotFoundException($"{name} not found on PATH nor in /usr/lib/postgresql/15/bin: run scripts/setup.sh.");

    public static string ErlangProgram(string name) => Find(name, "/usr/lib/erlang/bin")
        ?? throw new FileNotFoundException($"{name} not found: run scripts/setup.sh to install RabbitMQ (and Erlang).");

    /// <summary>PostgreSQL refuses to run as root: as root its folders go to the postgres user.</summary>
    public static async Task GiveToPostgresAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        if (Posix.IsRoot)
        {
            await RunAsync("chown", [$"{PostgresUser}:{PostgresUser}", .. paths], cancellationToken: cancellationToken);
        }
    }

    public static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The last lines of a log file, for an error message.</summary>
    public static string Tail(string file, int lines = 30)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().TrimEnd('\n').Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"({file} unreadable: {exception.Message})";
        }
    }

    private static string? Find(string name, string fallbackFolder) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(fallbackFolder)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
}
