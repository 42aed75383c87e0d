using System.Diagnostics;

namespace Platform.LocalInfrastructure;

/// <summary>
/// A platform project run as a real process from its build output (<c>dotnet Project.dll</c>), in
/// its own session so a terminal's Ctrl+C reaches only the orchestrator, which decides the order of
/// shutdown. Used by the AppHost and by tests that kill services at will. Keeps recent output.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    // Inherited values of these would leak one service's wiring into another's.
    private static readonly string[] ContractPrefixes = ["ConnectionStrings__", "services__", "OTEL_", "ASPNETCORE_URLS"];

    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];
    private readonly Action<string>? _onLine;
    private ChildProcess _process = null!;

    private ServiceProcess(string name, Action<string>? onLine)
    {
        Name = name;
        _onLine = onLine;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _process.Exited;

    public string RecentOutput => string.Join('\n', _process.RecentLines());

    public IReadOnlyList<string> RecentLines(int count) => _process.RecentLines(count);

    /// <summary>Starts <paramref name="project"/> (e.g. "src/Services.Registry") built in <paramref name="configuration"/>, with the given environment.</summary>
    /// <remarks>The working directory is the build output folder, which holds the project's appsettings*.json.</remarks>
    public static ServiceProcess Start(string name, string project, string configuration, IReadOnlyDictionary<string, string> environment,
        Action<string>? onLine = null)
    {
        var assemblyName = Path.GetFileName(Path.TrimEndingDirectorySeparator(project));
        var output = Path.Combine(RepositoryRoot.Path, project, "bin", configuration, RepositoryRoot.TargetFramework);
        var dll = Path.Combine(output, assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build it first (dotnet build Platform.sln -c {configuration}).", dll);
        }

        var childEnvironment = new Dictionary<string, string?>();
        foreach (var key in System.Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (ContractPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                childEnvironment[key] = null;
            }
        }
        childEnvironment["DOTNET_ENVIRONMENT"] = "Development";
        childEnvironment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment)
        {
            childEnvironment[key] = value;
        }

        var service = new ServiceProcess(name, onLine);
        service._process = ChildProcess.Start(DotnetHost(), [dll], childEnvironment, output, service.OnLine);
        return service;
    }

    /// <summary>Polls <c>{baseUrl}/health</c> until it answers 200; fails with the process's output if it exits or the time runs out.</summary>
    public async Task WaitHealthyAsync(string baseUrl, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = new Uri(baseUrl.TrimEnd('/') + "/health");
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (HasExited)
            {
                throw new ServiceExitedException(this, await Exited);
            }
            try
            {
                using var response = await client.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // One slow answer; the deadline below decides.
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} was not healthy at {health} within {timeout.TotalSeconds:0} s. Last output:\n{string.Join('\n', RecentLines(40))}");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Completes when the process prints a line containing <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            if (_process.RecentLines().Any(line => line.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }
            _waits.Add((text, seen));
        }
        try
        {
            await seen.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not print '{text}' within {timeout}:\n{string.Join('\n', RecentLines(40))}");
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly as a crashed or OOM-killed process.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>SIGTERM and wait for a graceful exit; SIGKILL to the whole tree after the grace period (default 10 s) or on cancellation.</summary>
    public Task<bool> StopAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default) =>
        _process.StopAsync(grace ?? TimeSpan.FromSeconds(10), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void OnLine(string line)
    {
        _onLine?.Invoke(line);
        lock (_waits)
        {
            foreach (var wait in _waits.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                wait.Seen.TrySetResult();
                _waits.Remove(wait);
            }
        }
    }

    /// <summary>The dotnet host that runs us (the SDK names it in DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }
        var self = System.Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}

/// <summary>A service ended while it was expected to run; the message holds its last output.</summary>
public sealed class ServiceExitedException(ServiceProcess process, int exitCode)
    : InvalidOperationException($"{process.Name} exited with code {exitCode}. Last output:\n{string.Join('\n', process.RecentLines(40))}")
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The repository's root: the folder holding Platform.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>Our own target framework folder name (e.g. net10.0): the projects we start are built for the same.</summary>
    public static string TargetFramework { get; } =
        System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)) is { } folder && folder.StartsWith("net", StringComparison.Ordinal)
            ? folder
            : "net10.0";

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "Platform.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }
}
