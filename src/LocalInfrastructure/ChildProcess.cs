using System.Diagnostics;

namespace Platform.LocalInfrastructure;

/// <summary>
/// A long-running child in a session of its own (<c>setsid</c>), so a terminal's Ctrl+C reaches
/// only our process, which decides the order of shutdown. Output lines go to a callback and the
/// most recent ones are kept for error messages.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Action<string>? _onLine;
    private readonly Queue<string> _recent = new();
    private readonly int _keep;
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, Action<string>? onLine, int keep)
    {
        _process = process;
        _onLine = onLine;
        _keep = keep;
    }

    public int Id { get; private set; }

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Completes with the exit code once the process has ended and its output is read (or a second has passed).</summary>
    public Task<int> Exited => _exited.Task;

    /// <param name="environment">Added to ours; a null value removes an inherited variable.</param>
    public static ChildProcess Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null, Action<string>? onLine = null, int keepLines = 400)
    {
        // When the caller is not a process-group leader (never, for a child of .NET), setsid execs
        // in place, so the pid we get is the program's own; -w keeps that true if it has to fork.
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Not the terminal: a child has no business reading it, and .NET re-initialises a
            // terminal shared with children each time one exits.
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        start.ArgumentList.Add("-w");
        start.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process, onLine, keepLines);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, child._stdoutClosed);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, child._stderrClosed);
        process.Exited += (_, _) => _ = child.OnExitedAsync();
        process.Start();
        child.Id = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public IReadOnlyList<string> RecentLines(int count = int.MaxValue)
    {
        lock (_recent)
        {
            return _recent.Skip(Math.Max(0, _recent.Count - count)).ToList();
        }
    }

    public bool Signal(int signal) => !HasExited && Posix.Signal(Id, signal);

    /// <summary>SIGTERM, then SIGKILL to the whole tree after <paramref name="grace"/> or when <paramref name="cancellationToken"/> fires. True if it ended by itself.</summary>
    public async Task<bool> StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (HasExited)
        {
            return true;
        }
        Signal(Posix.SigTerm);
        try
        {
            await Exited.WaitAsync(grace, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            await KillAsync();
            return false;
        }
    }

    /// <summary>SIGKILL to the process and its descendants, then wait for the exit.</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        await Exited.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose() => _process.Dispose();

    private void OnLine(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (_recent)
        {
            _recent.Enqueue(line);
            if (_recent.Count > _keep)
            {
                _recent.Dequeue();
            }
        }
        _onLine?.Invoke(line);
    }

    private async Task OnExitedAsync()
    {
        // A grandchild that inherited the pipes may hold them open: don't wait for it for long.
        await Task.WhenAny(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(1)));
        int code;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }
        _exited.TrySetResult(code);
    }
}
