using System.Diagnostics;
using Npgsql;

namespace Platform.LocalInfrastructure;

/// <param name="DataDirectory">The instance's folder: the cluster in data/, the socket in socket/, the log in postgres.log.</param>
public sealed record PostgresServerOptions(string DataDirectory, int Port)
{
    /// <summary>For tests: durability off (fsync, synchronous_commit, full-page writes) and the folder deleted on dispose.</summary>
    public bool Throwaway { get; init; }

    public int MaxConnections { get; init; } = 300;

    /// <summary>More server settings, <c>name=value</c> each (e.g. a benchmark's <c>shared_preload_libraries=pg_stat_statements</c>).</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>How long to wait for the server to accept a real connection.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A PostgreSQL 15 cluster of our own: initdb on first use, its own port and socket folder,
/// listening on 127.0.0.1 only. pg_ctl starts the postmaster in a session of its own (so a
/// terminal's Ctrl+C does not reach it) and stops it with a fast shutdown. As root, the tools run as
/// the postgres user, who owns the folders.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly PostgresServerOptions _options;
    private readonly Action<string> _log;
    private readonly string _root;
    private int _stopped;

    private PostgresServer(PostgresServerOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _root = Path.GetFullPath(options.DataDirectory);
    }

    public int Port => _options.Port;

    /// <summary>The postmaster's pid.</summary>
    public int ProcessId { get; private set; }

    public string DataFolder => Path.Combine(_root, "data");

    public string LogFile => Path.Combine(_root, "postgres.log");

    private string SocketFolder => Path.Combine(_root, "socket");

    /// <summary>The superuser over TCP.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = "postgres",
    }.ConnectionString;

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var server = new PostgresServer(options, log ?? (_ => { }));
        try
        {
            if (options.Throwaway)
            {
                await ThrowawayFolders.ClaimAsync(server._root, server._log, cancellationToken);
            }
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(DataFolder);
        Directory.CreateDirectory(SocketFolder);
        await Tools.GiveToPostgresAsync([_root, DataFolder, SocketFolder], cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(DataFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (!File.Exists(Path.Combine(DataFolder, "PG_VERSION")))
        {
            await Tools.RunAsync(Tools.PostgresProgram("initdb"), ["-D", DataFolder, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"],
                asPostgres: true, cancellationToken: cancellationToken);
            _log($"initialised a cluster in {DataFolder} ({watch.ElapsedMilliseconds} ms)");
        }
        await StopLeftoverAsync(DataFolder, immediate: false, _log, cancellationToken);
        RemoveStaleSocketLock();

        List<string> settings =
        [
            "-p", Port.ToString(),
            "-c", "listen_addresses=127.0.0.1",
            // A Unix socket path is limited to 107 bytes: without room for ours, TCP only.
            "-c", "unix_socket_directories=" + (SocketFolder.Length < 90 ? Quote(SocketFolder) : "''"),
            "-c", $"max_connections={_options.MaxConnections}",
        ];
        foreach (var setting in _options.Settings)
        {
            settings.AddRange(["-c", Quote(setting)]);
        }
        if (_options.Throwaway)
        {
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        try
        {
            // pg_ctl hands -o to a shell, hence the quoting above.
            await Tools.RunAsync(Tools.PostgresProgram("pg_ctl"),
                ["-D", DataFolder, "-l", LogFile, "-o", string.Join(' ', settings), "-w", "-t", ((int)_options.StartTimeout.TotalSeconds).ToString(), "start"],
                asPostgres: true, cancellationToken: cancellationToken);
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"PostgreSQL did not start on port {Port}: {exception.Message}\n{LogFile}:\n{Tools.Tail(LogFile)}", exception);
        }
        ProcessId = ReadPostmasterPid(DataFolder) ?? 0;
        await WaitForConnectionAsync(watch, cancellationToken);
        _log($"PostgreSQL listening on 127.0.0.1:{Port}, pid {ProcessId} ({watch.ElapsedMilliseconds} ms)");
    }

    private async Task WaitForConnectionAsync(Stopwatch watch, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (watch.Elapsed < _options.StartTimeout)
            {
                if (!Posix.IsAlive(ProcessId))
                {
                    throw new InvalidOperationException($"PostgreSQL exited while starting:\n{Tools.Tail(LogFile)}", exception);
                }
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>
    /// A postmaster left by a killed run (its postmaster.pid names a live postgres working in our
    /// data folder) is stopped; a pid file naming anything else is stale and removed.
    /// </summary>
    internal static async Task StopLeftoverAsync(string dataFolder, bool immediate, Action<string> log, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataFolder, "postmaster.pid");
        if (ReadPostmasterPid(dataFolder) is not { } pid)
        {
            return;
        }
        if (!IsPostmasterOf(pid, dataFolder))
        {
            log($"removing a stale {pidFile} (pid {pid} is not a postmaster of this cluster)");
            File.Delete(pidFile);
            return;
        }
        log($"stopping a PostgreSQL left running on {dataFolder} (pid {pid})");
        // SIGINT is a fast shutdown, SIGQUIT an immediate one.
        Posix.Signal(pid, immediate ? Posix.SigQuit : Posix.SigInt);
        if (!await Posix.WaitForExitAsync(pid, TimeSpan.FromSeconds(60), cancellationToken))
        {
            Posix.Signal(pid, Posix.SigKill);
            await Posix.WaitForExitAsync(pid, TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    private static int? ReadPostmasterPid(string dataFolder)
    {
        try
        {
            using var reader = new StreamReader(Path.Combine(dataFolder, "postmaster.pid"));
            return int.TryParse(reader.ReadLine(), out var pid) ? pid : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsPostmasterOf(int pid, string dataFolder)
    {
        if (!Posix.IsAlive(pid) || Posix.Name(pid) != "postgres")
        {
            return false;
        }
        // The postmaster works in its data folder and was started with -D naming it.
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataFolder));
        var commandLine = Posix.CommandLine(pid);
        var dashD = commandLine.ToList().IndexOf("-D");
        return Posix.WorkingDirectory(pid) == full
            || (dashD >= 0 && dashD + 1 < commandLine.Count && Path.TrimEndingDirectorySeparator(commandLine[dashD + 1]) == full);
    }

    /// <summary>A socket lock naming a dead pid would make the new postmaster refuse to start.</summary>
    private void RemoveStaleSocketLock()
    {
        var lockFile = Path.Combine(SocketFolder, $".s.PGSQL.{Port}.lock");
        try
        {
            if (File.Exists(lockFile) && int.TryParse(File.ReadLines(lockFile).FirstOrDefault(), out var pid) && !Posix.IsAlive(pid))
            {
                File.Delete(lockFile);
                File.Delete(Path.Combine(SocketFolder, $".s.PGSQL.{Port}"));
            }
        }
        catch (IOException)
        {
            // Let PostgreSQL judge it.
        }
    }

    /// <summary>Fast shutdown (sessions are ended, committed data kept); returns once the postmaster is gone.</summary>
    /// <param name="cancellationToken">Cancelling turns the wait into an immediate shutdown rather than abandoning it.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        var watch = Stopwatch.StartNew();
        var pid = ReadPostmasterPid(DataFolder) ?? ProcessId;
        if (!Posix.IsAlive(pid))
        {
            return;
        }
        // Our pools would otherwise hand out connections to a server that is gone.
        NpgsqlConnection.ClearAllPools();
        try
        {
            await Tools.RunAsync(Tools.PostgresProgram("pg_ctl"), ["-D", DataFolder, "-m", "fast", "-w", "-t", "60", "stop"],
                asPostgres: true, cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
        {
            _log(exception is OperationCanceledException
                ? "immediate shutdown on request"
                : $"pg_ctl stop failed ({exception.Message.Split('\n')[0]}): immediate shutdown");
            Posix.Signal(pid, Posix.SigQuit);
        }
        if (!await Posix.WaitForExitAsync(pid, TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            Posix.Signal(pid, Posix.SigKill);
            await Posix.WaitForExitAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        _log($"PostgreSQL on port {Port} stopped ({watch.ElapsedMilliseconds} ms)");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_options.Throwaway)
        {
            ThrowawayFolders.Release(_root);
        }
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
