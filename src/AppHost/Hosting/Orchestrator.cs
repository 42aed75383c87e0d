using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Platform.LocalInfrastructure;

namespace Platform.AppHost.Hosting;

/// <summary>
/// Brings the declared resources up in dependency order and down in reverse: local PostgreSQL and
/// RabbitMQ unless connection strings for existing servers are configured, then each project as a
/// process with the Aspire environment contract, started once what it waits for is ready.
/// </summary>
internal sealed class Orchestrator(List<Resource> resources, IConfiguration configuration) : IAsyncDisposable
{
    private static readonly ConsoleColor[] Colours = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan];
    private static readonly Lock ConsoleLock = new();

    private readonly Dictionary<string, (string App, string? Owner)> _databases = [];
    private readonly Dictionary<string, Task> _ready = [];
    private readonly List<(ProjectResource Project, ServiceProcess Process)> _processes = [];
    private PostgresServer? _postgres;
    private RabbitMqNode? _broker;

    public string BrokerUri { get; private set; } = "";

    private static string Configuration =>
        typeof(Orchestrator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Debug";

    private string DataFolder => Path.GetFullPath(configuration["AppHost:DataFolder"] ?? ".platform", RepositoryRoot.Path);

    private TimeSpan StartTimeout => configuration.GetValue("AppHost:StartTimeout", TimeSpan.FromMinutes(2));

    public (string App, string? Owner) Database(string name) => _databases[name];

    public string UrlOf(string project) => configuration[$"Services:{project}:Url"]
        ?? throw new InvalidOperationException($"Services:{project}:Url is not configured.");

    public async Task<int> RunAsync()
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        try
        {
            await StartAsync(stop.Token);
            PrintTable();
            await Task.Delay(Timeout.Infinite, stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Log("apphost", "stopping…");
            return 0;
        }
        catch (Exception exception)
        {
            Log("apphost", $"start-up failed: {exception.Message}");
            return 1;
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case PostgresResource postgres:
                    _ready[postgres.Name] = StartPostgresAsync(postgres, cancellationToken);
                    foreach (var database in postgres.Databases)
                    {
                        _ready[database.Name] = _ready[postgres.Name];
                    }
                    break;
                case RabbitMqResource broker:
                    _ready[broker.Name] = StartBrokerAsync(broker, cancellationToken);
                    break;
                case ProjectResource project:
                    _ready[project.Name] = StartProjectAsync(project, cancellationToken);
                    break;
            }
        }
        await Task.WhenAll(_ready.Values);
    }

    private async Task StartPostgresAsync(PostgresResource postgres, CancellationToken cancellationToken)
    {
        var supplied = postgres.Databases.All(d => !string.IsNullOrEmpty(configuration.GetConnectionString(d.Name)));
        if (supplied)
        {
            foreach (var database in postgres.Databases)
            {
                _databases[database.Name] = (configuration.GetConnectionString(database.Name)!, configuration.GetConnectionString(database.Name + "-owner"));
            }
            Log(postgres.Name, "using the configured database servers");
            return;
        }
        _postgres = await PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(DataFolder, "postgres"), configuration.GetValue("Postgres:Port", 54320)),
            line => Log(postgres.Name, line), cancellationToken);
        foreach (var database in postgres.Databases)
        {
            var provisioned = await DatabaseProvisioner.EnsureAsync(_postgres.AdminConnectionString, database.Name, cancellationToken);
            _databases[database.Name] = (provisioned.AppConnectionString, provisioned.OwnerConnectionString);
        }
    }

    private async Task StartBrokerAsync(RabbitMqResource broker, CancellationToken cancellationToken)
    {
        if (configuration.GetConnectionString(broker.Name) is { Length: > 0 } supplied)
        {
            BrokerUri = supplied;
            Log(broker.Name, "using the configured broker");
            return;
        }
        var section = configuration.GetSection("RabbitMQ");
        _broker = await RabbitMqNode.StartAsync(
            new RabbitMqNodeOptions(
                Path.Combine(DataFolder, "rabbitmq"),
                section["NodeName"] ?? "platform@localhost",
                section.GetValue("AmqpPort", 56720),
                section.GetValue("ManagementPort", 56721),
                section.GetValue("DistributionPort", 56722)) { EpmdPort = section.GetValue("EpmdPort", 56723) },
            line => Log(broker.Name, line), cancellationToken);
        BrokerUri = _broker.AmqpUri;
    }

    private async Task StartProjectAsync(ProjectResource project, CancellationToken cancellationToken)
    {
        await Task.WhenAll(project.Waits.Select(wait => _ready[wait.Name]));
        var url = UrlOf(project.Name);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = url,
            ["ASPNETCORE_ENVIRONMENT"] = configuration["AppHost:Environment"] ?? "Development",
            ["DOTNET_ENVIRONMENT"] = configuration["AppHost:Environment"] ?? "Development",
            ["OTEL_SERVICE_NAME"] = project.Name,
        };
        if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }
        foreach (var (key, value) in project.References.SelectMany(reference => reference.ReferenceEnvironment(this)))
        {
            environment[key] = value;
        }

        var process = ServiceProcess.Start(project.Name, project.ProjectPath, Configuration, environment, line => Log(project.Name, line));
        lock (_processes)
        {
            _processes.Add((project, process));
        }
        await process.WaitHealthyAsync(url, StartTimeout).WaitAsync(cancellationToken);
    }

    private void PrintTable()
    {
        var rows = new List<(string Name, string Address, string State)>();
        if (_postgres is not null)
        {
            rows.Add(("postgres", $"127.0.0.1:{_postgres.Port}", "running"));
        }
        if (_broker is not null)
        {
            rows.Add(("messaging", $"{_broker.AmqpUri} (management {_broker.ManagementUri})", "running"));
        }
        foreach (var (project, process) in _processes.OrderBy(p => p.Project.Name == "gateway" ? 0 : 1))
        {
            rows.Add((project.Name, UrlOf(project.Name), $"healthy (pid {process.Id})"));
        }
        var nameWidth = rows.Max(r => r.Name.Length) + 2;
        var addressWidth = rows.Max(r => r.Address.Length) + 2;
        lock (ConsoleLock)
        {
            Console.WriteLine();
            Console.WriteLine($"{"RESOURCE".PadRight(nameWidth)}{"ADDRESS".PadRight(addressWidth)}STATE");
            foreach (var (name, address, state) in rows)
            {
                Console.WriteLine($"{name.PadRight(nameWidth)}{address.PadRight(addressWidth)}{state}");
            }
            Console.WriteLine();
            Console.WriteLine($"The platform is up: {UrlOf("gateway")}  (health: {UrlOf("gateway")}/health). Press Ctrl+C to stop.");
        }
    }

    private static void Log(string resource, string line)
    {
        var colour = Colours[Math.Abs(StringComparer.Ordinal.GetHashCode(resource)) % Colours.Length];
        lock (ConsoleLock)
        {
            if (!Console.IsOutputRedirected)
            {
                Console.ForegroundColor = colour;
            }
            Console.Write($"[{resource}] ");
            if (!Console.IsOutputRedirected)
            {
                Console.ResetColor();
            }
            Console.WriteLine(line);
        }
    }

    /// <summary>Projects in reverse start order (SIGTERM, then SIGKILL after a grace period), then the broker, then PostgreSQL.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (project, process) in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
            Log(project.Name, "stopped");
        }
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
