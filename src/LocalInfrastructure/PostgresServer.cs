using System.Diagnostics;
using Npgsql;

namespace Platform.LocalInfrastructure;

public sealed record PostgresServerOptions(string DataDirectory, int Port)
{
    /// <summary>For tests: durability off (fsync, synchronous_commit, full-page writes) and the folder deleted on dispose.</summary>
    public bool Throwaway { get; init; }

    public int MaxConnections { get; init; } = 300;
}

/// <summary>
/// A PostgreSQL 15 cluster of our own: initdb into the data folder on first use, its own port and
/// socket folder, listening on 127.0.0.1 only. pg_ctl starts it detached from our terminal (so
/// Ctrl+C does not reach it) and stops it with a fast shutdown. As root it runs as the postgres user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly PostgresServerOptions _options;
    private readonly Action<string> _log;
    private readonly string _root;
    private bool _stopped;

    private PostgresServer(PostgresServerOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _root = Path.GetFullPath(options.DataDirectory);
    }

    public int Port => _options.Port;

    private string DataFolder => Path.Combine(_root, "data");

    private string SocketFolder => Path.Combine(_root, "socket");

    private string LogFile => Path.Combine(_root, "postgres.log");

    public string AdminConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20";

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var server = new PostgresServer(options, log ?? (_ => { }));
        if (options.Throwaway)
        {
            ThrowawayFolders.Claim(server._root);
        }
        await server.StartAsync(cancellationToken);
        return server;
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(SocketFolder);
        if (!File.Exists(Path.Combine(DataFolder, "PG_VERSION")))
        {
            Directory.CreateDirectory(DataFolder);
            Shell.GiveToPostgres(_root);
            await Shell.RunAsync("chmod", ["700", DataFolder], cancellationToken: cancellationToken);
            await Shell.RunAsync(Shell.PostgresTool("initdb"), ["-D", DataFolder, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"],
                asPostgres: true, cancellationToken: cancellationToken);
            _log($"initialised a cluster in {DataFolder}");
        }
        Shell.GiveToPostgres(_root);
        await StopStaleAsync(cancellationToken);

        var settings = $"-p {Port} -k {SocketFolder} -c listen_addresses=127.0.0.1 -c max_connections={_options.MaxConnections}";
        if (_options.Throwaway)
        {
            settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        }
        await Shell.RunAsync(Shell.PostgresTool("pg_ctl"), ["-D", DataFolder, "-l", LogFile, "-o", settings, "-w", "-t", "60", "start"],
            asPostgres: true, cancellationToken: cancellationToken);

        // pg_ctl -w waits for the socket; wait for a real TCP session too.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString + ";Pooling=false");
                await connection.OpenAsync(cancellationToken);
                break;
            }
            catch (NpgsqlException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        _log($"PostgreSQL listening on 127.0.0.1:{Port} ({watch.ElapsedMilliseconds} ms)");
    }

    /// <summary>A postmaster left by a killed run is stopped; a pid file without a live process is removed.</summary>
    private async Task StopStaleAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(DataFolder, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }
        if (int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && Shell.IsAlive(pid))
        {
            _log($"stopping a PostgreSQL left running on {DataFolder} (pid {pid})");
            await Shell.RunAsync(Shell.PostgresTool("pg_ctl"), ["-D", DataFolder, "-m", "fast", "-w", "stop"], asPostgres: true,
                cancellationToken: cancellationToken);
        }
        else
        {
            File.Delete(pidFile);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataFolder, "postmaster.pid")))
        {
            await Shell.RunAsync(Shell.PostgresTool("pg_ctl"), ["-D", DataFolder, "-m", "fast", "-w", "-t", "60", "stop"], asPostgres: true,
                cancellationToken: cancellationToken);
        }
        _log("PostgreSQL stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_options.Throwaway)
        {
            ThrowawayFolders.Release(_root);
        }
    }
}
