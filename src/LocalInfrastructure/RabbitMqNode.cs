using System.Diagnostics;
using System.Net.Http.Headers;

namespace Platform.LocalInfrastructure;

public sealed record RabbitMqNodeOptions(string DataDirectory, string NodeName, int AmqpPort, int ManagementPort, int DistributionPort)
{
    /// <summary>For tests: the folder is deleted on dispose.</summary>
    public bool Throwaway { get; init; }

    /// <summary>Erlang's port mapper for this node alone, so stopping the node can stop it too.</summary>
    public int EpmdPort { get; init; } = FreePort.Next();
}

/// <summary>
/// A RabbitMQ node of our own (Debian's rabbitmq-server, run directly rather than through the
/// service wrapper): own node name, ports, data, logs, cookie and epmd, management plugin on,
/// listening on 127.0.0.1 only, in its own session so a terminal's Ctrl+C does not reach it.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string ControlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    private readonly RabbitMqNodeOptions _options;
    private readonly Action<string> _log;
    private readonly string _root;
    private Process? _process;
    private bool _stopped;

    private RabbitMqNode(RabbitMqNodeOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _root = Path.GetFullPath(options.DataDirectory);
    }

    public string NodeName => _options.NodeName;

    public int AmqpPort => _options.AmqpPort;

    public int ManagementPort => _options.ManagementPort;

    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{AmqpPort}/";

    public Uri ManagementUri => new($"http://127.0.0.1:{ManagementPort}/");

    public static async Task<RabbitMqNode> StartAsync(RabbitMqNodeOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ServerScript))
        {
            throw new FileNotFoundException("RabbitMQ is not installed: run scripts/setup.sh.", ServerScript);
        }
        var node = new RabbitMqNode(options, log ?? (_ => { }));
        if (options.Throwaway)
        {
            ThrowawayFolders.Claim(node._root);
        }
        await node.StartAsync(cancellationToken);
        return node;
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = Path.Combine(_root, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(),
        ["RABBITMQ_DIST_PORT"] = _options.DistributionPort.ToString(),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_root, "rabbitmq"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_root, "enabled_plugins"),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(_root, "rabbitmq.pid"),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_root, "rabbitmq-env.conf"),
        ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_root, "advanced.config"),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["ERL_EPMD_PORT"] = _options.EpmdPort.ToString(),
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
    };

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        foreach (var folder in new[] { "home", "mnesia", "log" })
        {
            Directory.CreateDirectory(Path.Combine(_root, folder));
        }
        await File.WriteAllTextAsync(Path.Combine(_root, "rabbitmq.conf"), $"""
            listeners.tcp.1 = 127.0.0.1:{AmqpPort}
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            collect_statistics_interval = 1000
            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "enabled_plugins"), "[rabbitmq_management].", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "rabbitmq-env.conf"), "", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_root, "advanced.config"), "[].", cancellationToken);
        await StopStaleAsync(cancellationToken);

        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        start.ArgumentList.Add(ServerScript);
        foreach (var (key, value) in Environment())
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _log(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) _log(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = ManagementUri, Timeout = TimeSpan.FromSeconds(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"RabbitMQ node {NodeName} exited with {_process.ExitCode}; see {Path.Combine(_root, "log")}.");
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException($"RabbitMQ node {NodeName} did not start within 90 s; see {Path.Combine(_root, "log")}.");
            }
            if (await Shell.PortOpenAsync(AmqpPort, cancellationToken) && await ManagementAnswersAsync(client, cancellationToken))
            {
                break;
            }
            await Task.Delay(200, cancellationToken);
        }
        _log($"RabbitMQ {NodeName} listening on 127.0.0.1:{AmqpPort}, management on {ManagementPort} ({watch.ElapsedMilliseconds} ms)");
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

    /// <summary>A node left by a killed run on the same folder is stopped first (its pid file says which).</summary>
    private async Task StopStaleAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(_root, "rabbitmq.pid");
        if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile, cancellationToken)).Trim(), out var pid) && Shell.IsAlive(pid))
        {
            _log($"stopping a RabbitMQ node left running (pid {pid})");
            Shell.Signal(pid, 15);
            var deadline = Stopwatch.StartNew();
            while (Shell.IsAlive(pid) && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        StopEpmd();
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped || _process is null)
        {
            return;
        }
        _stopped = true;
        if (!_process.HasExited)
        {
            try
            {
                await Shell.RunAsync(ControlScript, ["-n", NodeName, "stop"], Environment(), cancellationToken: cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // rabbitmqctl could not reach the node: the signal below still stops it.
            }
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        StopEpmd();
        _log($"RabbitMQ {NodeName} stopped");
    }

    /// <summary>epmd outlives the node; ours listens on our own port, so it can be found and stopped.</summary>
    private void StopEpmd()
    {
        foreach (var process in Process.GetProcessesByName("epmd"))
        {
            try
            {
                var commandLine = File.ReadAllText($"/proc/{process.Id}/environ");
                if (commandLine.Contains($"ERL_EPMD_PORT={_options.EpmdPort}\0", StringComparison.Ordinal))
                {
                    process.Kill();
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            finally
            {
                process.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        if (_options.Throwaway)
        {
            ThrowawayFolders.Release(_root);
        }
    }
}
