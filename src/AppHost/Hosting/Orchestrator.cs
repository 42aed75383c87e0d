using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;
using Platform.LocalInfrastructure;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Starts every resource as soon as what it waits for is ready (local PostgreSQL and RabbitMQ
/// unless configuration names existing servers; then each project as a process with Aspire's
/// environment contract), runs until Ctrl+C, SIGTERM or a failure, then stops the projects in
/// reverse start order and the infrastructure last.
/// </summary>
internal sealed class Orchestrator : IAsyncDisposable
{
    private readonly IReadOnlyList<Resource> _resources;
    private readonly AppHostSettings _settings;
    private readonly ResourceConsole _console;
    private readonly Dictionary<Resource, ResourceRun> _runs = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _force = new();
    private readonly TaskCompletionSource<(Resource Resource, Exception Error)> _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, (string App, string Owner)> _databases = new();
    private readonly List<(ProjectResource Project, ServiceProcess Process)> _processes = [];
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private PostgresServer? _postgres;
    private RabbitMqNode? _broker;
    private string? _amqpUri;
    private volatile bool _shuttingDown;
    private int _stopped;

    public Orchestrator(IReadOnlyList<Resource> resources, AppHostSettings settings)
    {
        _resources = [.. resources.SelectMany(r => r is PostgresServerResource server ? new[] { r }.Concat(server.Databases) : [r])];
        _settings = settings;
        _console = new ResourceConsole(_resources.Select(r => r.Name));
        foreach (var resource in _resources)
        {
            _runs[resource] = new ResourceRun();
        }
    }

    public async Task<int> RunAsync()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        try
        {
            var starts = _resources.Select(StartWhenReadyAsync).ToList();
            var allReady = Task.WhenAll(_runs.Values.Select(run => run.Ready.Task));
            var stopRequested = WhenCancelled(_stopping.Token);
            await Task.WhenAny(allReady, stopRequested);
            if (!_stopping.IsCancellationRequested)
            {
                PrintTable();
                if (_settings.Demo)
                {
                    await LoadDemoCountyAsync(_stopping.Token);
                }
                await stopRequested;
            }

            _shuttingDown = true;
            var failed = _failure.Task.IsCompleted;
            if (failed)
            {
                ReportFailure(await _failure.Task);
            }
            // Start-ups under way end promptly once cancelled, and say what they had started.
            await Task.WhenAll(starts);
            await StopAllAsync();
            return failed ? 1 : 0;
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
        }
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // We decide the order of shutdown; the children never saw this SIGINT (own sessions).
        e.Cancel = true;
        RequestStop("Ctrl+C");
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        RequestStop(context.Signal.ToString());
    }

    private void RequestStop(string reason)
    {
        if (!_stopping.IsCancellationRequested)
        {
            _console.Info($"{reason}: stopping everything (press Ctrl+C again to kill at once)");
            _stopping.Cancel();
        }
        else if (!_force.IsCancellationRequested)
        {
            _console.Info($"{reason} again: killing what is left");
            _force.Cancel();
        }
    }

    private void Fail(Resource resource, Exception error)
    {
        if (_failure.TrySetResult((resource, error)))
        {
            _stopping.Cancel();
        }
    }

    private IEnumerable<Resource> DependenciesOf(Resource resource) => resource switch
    {
        PostgresDatabaseResource database when _settings.SuppliedConnectionString(database.Name) is null => [database.Server],
        // A referenced database or broker must exist before its connection string does.
        ProjectResource project => project.Waits.Concat(project.References.Where(r => r is not ProjectResource)).Distinct(),
        _ => [],
    };

    private async Task StartWhenReadyAsync(Resource resource)
    {
        var run = _runs[resource];
        try
        {
            foreach (var dependency in DependenciesOf(resource))
            {
                await _runs[dependency].Ready.Task.WaitAsync(_stopping.Token);
            }
            run.State = "starting";
            await StartAsync(resource, run, _stopping.Token);
            run.Ready.TrySetResult();
        }
        catch (Exception error)
        {
            var ownFailure = !_stopping.IsCancellationRequested;
            if (ownFailure)
            {
                run.State = "failed";
                Fail(resource, error);
            }
            else if (run.State != "failed")
            {
                run.State = run.State == "starting" ? "start cancelled" : "not started";
            }
            run.Ready.TrySetException(error);
        }
    }

    private Task StartAsync(Resource resource, ResourceRun run, CancellationToken cancellationToken) => resource switch
    {
        PostgresServerResource server => StartPostgresAsync(server, run, cancellationToken),
        PostgresDatabaseResource database => ProvisionAsync(database, run, cancellationToken),
        RabbitMQServerResource broker => StartBrokerAsync(broker, run, cancellationToken),
        ProjectResource project => StartProjectAsync(project, run, cancellationToken),
        _ => throw new NotSupportedException(resource.GetType().Name),
    };

    private async Task StartPostgresAsync(PostgresServerResource server, ResourceRun run, CancellationToken cancellationToken)
    {
        if (server.Databases.Count > 0 && server.Databases.All(d => _settings.SuppliedConnectionString(d.Name) is not null))
        {
            run.State = "external";
            run.Address = "(every database's connection string is configured)";
            return;
        }
        var folder = Path.Combine(_settings.DataFolder, "postgres");
        _postgres = await PostgresServer.StartAsync(
            new PostgresServerOptions(folder, _settings.PostgresPort) { StartTimeout = _settings.StartTimeout },
            line => _console.Line(server.Name, line), cancellationToken);
        run.State = "running";
        run.Pid = _postgres.ProcessId;
        run.Address = $"127.0.0.1:{_postgres.Port}  (data {Path.GetRelativePath(RepositoryRoot.Path, folder)})";
    }

    private async Task ProvisionAsync(PostgresDatabaseResource database, ResourceRun run, CancellationToken cancellationToken)
    {
        if (_settings.SuppliedConnectionString(database.Name) is { } app)
        {
            _databases[database.Name] = (app, _settings.SuppliedConnectionString(database.Name + "-owner") ?? app);
            run.State = "external";
        }
        else
        {
            var provisioned = await DatabaseProvisioner.EnsureAsync(_postgres!.AdminConnectionString, database.Name, cancellationToken);
            _databases[database.Name] = (provisioned.AppConnectionString, provisioned.OwnerConnectionString);
            run.State = "provisioned";
        }
        run.Address = WithoutPassword(_databases[database.Name].App);
    }

    private async Task StartBrokerAsync(RabbitMQServerResource broker, ResourceRun run, CancellationToken cancellationToken)
    {
        if (_settings.SuppliedConnectionString(broker.Name) is { } supplied)
        {
            _amqpUri = supplied;
            run.State = "external";
            run.Address = Uri.TryCreate(supplied, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}" : "(configured)";
            return;
        }
        var options = _settings.RabbitMq;
        _broker = await RabbitMqNode.StartAsync(
            options with { StartTimeout = _settings.StartTimeout > options.StartTimeout ? _settings.StartTimeout : options.StartTimeout },
            line => _console.Line(broker.Name, line), cancellationToken);
        _amqpUri = _broker.AmqpUri;
        run.State = "running";
        run.Pid = _broker.ProcessId;
        run.Address = $"{_broker.AmqpUri}  (management {_broker.ManagementUri}, guest/guest)";
        _ = _broker.Exited.ContinueWith(_ =>
        {
            if (!_shuttingDown)
            {
                run.State = "exited";
                Fail(broker, new InvalidOperationException($"the RabbitMQ node exited unexpectedly; see {_broker.LogFile}"));
            }
        }, TaskScheduler.Default);
    }

    private async Task StartProjectAsync(ProjectResource project, ResourceRun run, CancellationToken cancellationToken)
    {
        var url = _settings.UrlOf(project);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Origin(url),
            ["ASPNETCORE_ENVIRONMENT"] = _settings.Environment,
            ["DOTNET_ENVIRONMENT"] = _settings.Environment,
            ["OTEL_SERVICE_NAME"] = project.Name,
        };
        if (_settings.OtlpEndpoint is { } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }
        foreach (var (name, value) in project.Environment)
        {
            environment[name] = value;
        }
        foreach (var reference in project.References)
        {
            switch (reference)
            {
                case PostgresDatabaseResource database:
                    environment[$"ConnectionStrings__{database.Name}"] = _databases[database.Name].App;
                    environment[$"ConnectionStrings__{database.Name}-owner"] = _databases[database.Name].Owner;
                    break;
                case RabbitMQServerResource broker:
                    environment[$"ConnectionStrings__{broker.Name}"] = _amqpUri!;
                    if (_broker is not null)
                    {
                        // Aspire's contract for a named endpoint: the management API (the operations dashboard reads it).
                        environment[$"services__{broker.Name}__management__0"] = _broker.ManagementUri.ToString();
                    }
                    break;
                case ProjectResource other:
                    environment[$"services__{other.Name}__http__0"] = Origin(Reachable(_settings.UrlOf(other)));
                    break;
                default:
                    throw new NotSupportedException($"{project.Name} cannot reference {reference.Name}: reference its databases instead.");
            }
        }

        var process = ServiceProcess.Start(project.Name, project.ProjectPath, _settings.BuildConfiguration, environment,
            line => _console.Line(project.Name, line));
        lock (_processes)
        {
            _processes.Add((project, process));
        }
        run.Pid = process.Id;
        run.Address = Origin(url);
        _ = process.Exited.ContinueWith(exited =>
        {
            if (!_shuttingDown)
            {
                run.State = "exited";
                Fail(project, new ServiceExitedException(process, exited.Result));
            }
        }, TaskScheduler.Default);
        await process.WaitHealthyAsync(Origin(Reachable(url)), _settings.StartTimeout, cancellationToken);
        run.State = "healthy";
    }

    /// <summary>
    /// Loads the demo county through the gateway, as an integrator would, unless it already has
    /// members; a failure is reported and the platform keeps running.
    /// </summary>
    private async Task LoadDemoCountyAsync(CancellationToken cancellationToken)
    {
        const string code = "511621";
        var gateway = _resources.OfType<ProjectResource>().FirstOrDefault(p => p.Name == "gateway");
        if (gateway is null)
        {
            return;
        }
        try
        {
            using var client = new HttpClient { BaseAddress = _settings.UrlOf(gateway), Timeout = TimeSpan.FromMinutes(5) };
            if (gateway.Environment.TryGetValue("Gateway__BootstrapOperatorKey", out var operatorKey))
            {
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorKey);
            }
            using (var members = await client.GetAsync($"/api/registry/counties/{code}/members?pageSize=1", cancellationToken))
            {
                if (members.IsSuccessStatusCode &&
                    System.Text.Json.JsonDocument.Parse(await members.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("total").GetInt64() > 0)
                {
                    _console.Info($"demo county {code} is already loaded");
                    return;
                }
            }
            _console.Info($"loading the demo county {code} 岳池县 through the gateway");
            var loader = new Platform.DemoCounty.DemoCountyLoader(client, line => _console.Info("demo: " + line));
            await loader.LoadAsync(code, "岳池县", Platform.DemoCounty.DemoCountyGenerator.Generate(), cancellationToken);
            _console.Info($"demo county loaded: {_settings.UrlOf(gateway)}api/registry/counties/{code}/members");
        }
        catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or TaskCanceledException)
        {
            _console.Info($"loading the demo county failed: {exception.Message}");
        }
    }

    private void PrintTable()
    {
        // Entry points (projects nobody references: the gateway) first, then the other projects, then infrastructure.
        var referenced = _resources.OfType<ProjectResource>().SelectMany(p => p.References).ToHashSet();
        var ordered = _resources.OfType<ProjectResource>().OrderBy(p => referenced.Contains(p)).Cast<Resource>()
            .Concat(_resources.Where(r => r is not ProjectResource))
            .ToList();
        var nameWidth = ordered.Max(r => r.Name.Length) + 2;
        var lines = new List<string> { "", $"  {"NAME".PadRight(nameWidth)}{"STATE",-13}{"PID",-9}ADDRESS" };
        foreach (var resource in ordered)
        {
            var run = _runs[resource];
            var entry = resource is ProjectResource && !referenced.Contains(resource);
            lines.Add($"{(entry ? "* " : "  ")}{resource.Name.PadRight(nameWidth)}{run.State,-13}{run.Pid?.ToString() ?? "",-9}{run.Address}");
        }
        var entries = ordered.Where(r => r is ProjectResource && !referenced.Contains(r)).Select(r => _runs[r].Address).ToList();
        lines.Add("");
        lines.Add($"Up in {_uptime.Elapsed.TotalSeconds:0.0} s. Entry point{(entries.Count == 1 ? "" : "s")} (*): {string.Join(", ", entries)}. Press Ctrl+C to stop.");
        lines.Add("");
        _console.Block(lines);
    }

    private void ReportFailure((Resource Resource, Exception Error) failure)
    {
        var lines = failure.Error.Message.Split('\n');
        _console.Info($"{failure.Resource.Name} failed: {lines[0]}");
        foreach (var line in lines.Skip(1).TakeLast(40))
        {
            _console.Line(failure.Resource.Name, "| " + line);
        }
        _console.Info("stopping everything");
    }

    /// <summary>Projects in reverse start order (SIGTERM, SIGKILL after the stop timeout), then RabbitMQ, then PostgreSQL.</summary>
    private async Task StopAllAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        _shuttingDown = true;
        List<(ProjectResource Project, ServiceProcess Process)> started;
        lock (_processes)
        {
            started = [.. _processes];
        }
        foreach (var (project, process) in Enumerable.Reverse(started))
        {
            var watch = Stopwatch.StartNew();
            var wasRunning = !process.HasExited;
            var graceful = await process.StopAsync(_settings.StopTimeout, _force.Token);
            var code = await process.Exited;
            if (wasRunning)
            {
                _console.Line(project.Name, graceful
                    ? $"stopped (exit code {code}, {watch.ElapsedMilliseconds} ms)"
                    : $"killed after {watch.ElapsedMilliseconds} ms");
            }
            await process.DisposeAsync();
        }
        if (_broker is not null)
        {
            await _broker.StopAsync(_force.Token);
            await _broker.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.StopAsync(_force.Token);
            await _postgres.DisposeAsync();
        }
        _console.Info("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        _stopping.Dispose();
        _force.Dispose();
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }

    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    /// <summary>A wildcard listening address is reached over loopback.</summary>
    private static Uri Reachable(Uri uri) =>
        uri.Host is "0.0.0.0" or "[::]" ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri : uri;

    private static string WithoutPassword(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(configured)";
        }
    }

    private sealed class ResourceRun
    {
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string State { get; set; } = "waiting";

        public int? Pid { get; set; }

        public string Address { get; set; } = "";
    }
}
