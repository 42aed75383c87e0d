using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Platform.LocalInfrastructure;

/// <param name="DataDirectory">The node's folder: home (Erlang cookie), mnesia, log, generated configuration, pids.</param>
/// <param name="NodeName">e.g. "platform@localhost"; distinct per node on one machine.</param>
public sealed record RabbitMqNodeOptions(string DataDirectory, string NodeName, int AmqpPort, int ManagementPort, int DistributionPort)
{
    /// <summary>For tests: the folder is deleted on dispose, and stopping kills the node rather than shutting it down politely.</summary>
    public bool Throwaway { get; init; }

    /// <summary>Erlang's port mapper for this node alone, so stopping the node can stop it too.</summary>
    public int EpmdPort { get; init; } = FreePort.Next();

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>
/// A RabbitMQ node of our own (Debian's rabbitmq-server, run directly rather than through the
/// service wrapper): own node name, ports, data, logs, cookie and epmd, management plugin on,
/// listening on 127.0.0.1 only, in its own session so a terminal's Ctrl+C does not reach it.
/// </summary>
public sealed partial class RabbitMqNode : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private readonly RabbitMqNodeOptions _options;
    private readonly Action<string> _log;
    private readonly string _root;
    private ChildProcess? _epmd;
    private ChildProcess? _server;
    private int _stopped;

    private RabbitMqNode(RabbitMqNodeOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _root = Path.GetFullPath(options.DataDirectory);
    }

    public string NodeName => _options.NodeName;

    public int AmqpPort => _options.AmqpPort;

    public int ManagementPort => _options.ManagementPort;

    public int EpmdPort => _options.EpmdPort;

    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{AmqpPort}/";

    public Uri ManagementUri => new($"http://127.0.0.1:{ManagementPort}/");

    /// <summary>The Erlang VM's pid (beam.smp).</summary>
    public int ProcessId { get; private set; }

    public string LogFile => Path.Combine(_root, "log", NodeName + ".log");

    /// <summary>Completes when the node's process ends, whether stopped or not.</summary>
    public Task Exited => _server?.Exited ?? Task.CompletedTask;

    public static async Task<RabbitMqNode> StartAsync(RabbitMqNodeOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ServerScript))
        {
            throw new FileNotFoundException("RabbitMQ is not installed: run scripts/setup.sh.", ServerScript);
        }
        var node = new RabbitMqNode(options, log ?? (_ => { }));
        try
        {
            if (options.Throwaway)
            {
                await ThrowawayFolders.ClaimAsync(node._root, node._log, cancellationToken);
            }
            await node.StartAsync(cancellationToken);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private Dictionary<string, string?> Environment() => new()
    {
        ["HOME"] = Path.Combine(_root, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(),
        ["RABBITMQ_DIST_PORT"] = _options.DistributionPort.ToString(),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_root, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_root, "enabled_plugins"),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(_root, "rabbitmq.pid"),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_root, "rabbitmq-env.conf"),
        ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_root, "advanced.config"),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["ERL_EPMD_PORT"] = EpmdPort.ToString(),
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
    };

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        // What a killed run left on this folder holds our ports and the mnesia lock.
        await PidRecords.StopAllAsync(_root, Posix.SigTerm, TimeSpan.FromSeconds(30), _log, cancellationToken);
        await WriteConfigurationAsync(cancellationToken);

        // Our own epmd, so that stopping the node can stop it too (one the VM spawned would outlive it).
        _epmd = ChildProcess.Start(Tools.ErlangProgram("epmd"), ["-port", EpmdPort.ToString(), "-address", "127.0.0.1"],
            workingDirectory: _root, onLine: line => _log("epmd: " + line));
        PidRecords.Write(_root, "epmd", _epmd.Id);
        await WaitUntilAsync(() => EpmdAnswersAsync(EpmdPort, cancellationToken), _epmd, "epmd",
            TimeSpan.FromSeconds(10), cancellationToken);

        _server = ChildProcess.Start(ServerScript, [], Environment(), _root, line =>
        {
            // Before the configuration applies, the node logs at info level to stdout; the log file has it all.
            if (line.Length > 0 && !RoutineLogLine().IsMatch(line))
            {
                _log(line);
            }
        });
        PidRecords.Write(_root, "rabbitmq-server", _server.Id);

        using var client = new HttpClient { BaseAddress = ManagementUri, Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        await WaitUntilAsync(async () =>
                await Tools.AcceptsConnectionsAsync(AmqpPort, cancellationToken) && await ManagementAnswersAsync(client, cancellationToken),
            _server, $"RabbitMQ node {NodeName}", _options.StartTimeout, cancellationToken);

        if (ReadVmPid() is { } beam)
        {
            ProcessId = beam;
            PidRecords.Write(_root, "beam", beam);
        }
        _log($"RabbitMQ {NodeName} listening on 127.0.0.1:{AmqpPort}, management on {ManagementPort}, pid {ProcessId} ({watch.ElapsedMilliseconds} ms)");
    }

    /// <summary>The pid in our pid file, if it is a VM running with our home folder.</summary>
    private int? ReadVmPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(_root, "rabbitmq.pid")).Trim(), out var pid)
                && Posix.IsAlive(pid)
                && Posix.CommandLine(pid).Contains(Path.Combine(_root, "home"))
                ? pid
                : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task WriteConfigurationAsync(CancellationToken cancellationToken)
    {
        foreach (var folder in new[] { "home", "mnesia", "log" })
        {
            Directory.CreateDirectory(Path.Combine(_root, folder));
        }
        // The file log keeps everything; the console (our log callback) only what needs attention.
        await File.WriteAllTextAsync(Path.Combine(_root, "rabbitmq.conf"), $"""
            listeners.tcp.1 = 127.0.0.1:{AmqpPort}
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            collect_statistics_interval = 1000
            log.file.level = info
            log.console.level = warning
            log.console.use_colors = off

            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "enabled_plugins"), "[rabbitmq_management].\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "rabbitmq-env.conf"), "", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "advanced.config"), "[].\n", cancellationToken);

        // Our own cookie, written once: CLI tools given the same HOME can talk to the node.
        var cookie = Path.Combine(_root, "home", ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            await File.WriteAllTextAsync(cookie, RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 20), cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
            }
        }
    }

    /// <summary>Polls <paramref name="ready"/> until it holds; fails at once if the process ends, and at the deadline.</summary>
    private async Task WaitUntilAsync(Func<Task<bool>> ready, ChildProcess process, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (!await ready())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{what} exited with code {await process.Exited} while starting:\n{string.Join('\n', process.RecentLines(30))}\n{LogFile}:\n{Tools.Tail(LogFile)}");
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} was not ready within {timeout.TotalSeconds:0} s:\n{string.Join('\n', process.RecentLines(30))}\n{LogFile}:\n{Tools.Tail(LogFile)}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>A NAMES request: a bare connect would make epmd log a "partial packet" line.</summary>
    private static async Task<bool> EpmdAnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(new byte[] { 0, 1, 110 }, timeout.Token);
            var answer = new byte[4];
            await stream.ReadExactlyAsync(answer, timeout.Token);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or IOException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static async Task<bool> ManagementAnswersAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync("api/overview", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGTERM to the server script, which shuts the node down cleanly (about 6 s here, 5 of them
    /// the management plugin's); a throwaway node is killed instead. Then its epmd: nothing outlives it.
    /// </summary>
    /// <param name="cancellationToken">Cancelling kills the node rather than abandoning the stop.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        var watch = Stopwatch.StartNew();
        if (ProcessId == 0)
        {
            // Stopped while starting: the VM may have written its pid file already.
            ProcessId = ReadVmPid() ?? 0;
        }
        if (_server is not null && !_server.HasExited)
        {
            if (_options.Throwaway)
            {
                // Its data is about to be deleted: a graceful shutdown would only cost time.
                Posix.Signal(ProcessId, Posix.SigKill);
                await _server.KillAsync();
            }
            else if (!await _server.StopAsync(TimeSpan.FromSeconds(60), cancellationToken))
            {
                _log(cancellationToken.IsCancellationRequested ? $"RabbitMQ {NodeName} killed on request" : $"RabbitMQ {NodeName} did not stop in time: killed");
            }
        }
        // The VM's helpers (erl_child_setup, inet_gethost) end with it; wait for the VM itself.
        if (ProcessId > 0 && !await Posix.WaitForExitAsync(ProcessId, TimeSpan.FromSeconds(10), CancellationToken.None))
        {
            Posix.Signal(ProcessId, Posix.SigKill);
            await Posix.WaitForExitAsync(ProcessId, TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        if (_epmd is not null)
        {
            await _epmd.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        foreach (var role in new[] { "beam", "rabbitmq-server", "epmd" })
        {
            PidRecords.Remove(_root, role);
        }
        if (_server is not null)
        {
            _log($"RabbitMQ {NodeName} stopped ({watch.ElapsedMilliseconds} ms)");
        }
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \S+ \[(debug|info|notice)\] ")]
    private static partial Regex RoutineLogLine();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server?.Dispose();
        _epmd?.Dispose();
        if (_options.Throwaway)
        {
            ThrowawayFolders.Release(_root);
        }
    }
}
