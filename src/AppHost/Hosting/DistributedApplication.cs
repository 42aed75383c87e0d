using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>Declares the platform's resources, the way an Aspire AppHost does, then runs them.</summary>
public sealed class DistributedApplication
{
    private readonly IReadOnlyList<Resource> _resources;
    private readonly IConfiguration _configuration;

    private DistributedApplication(IReadOnlyList<Resource> resources, IConfiguration configuration)
    {
        _resources = resources;
        _configuration = configuration;
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    /// <summary>Starts everything, runs until Ctrl+C or SIGTERM, stops everything. 0 after a requested stop, 1 if anything failed.</summary>
    public async Task<int> RunAsync()
    {
        await using var orchestrator = new Orchestrator(_resources, new AppHostSettings(_configuration));
        return await orchestrator.RunAsync();
    }

    public sealed class DistributedApplicationBuilder
    {
        private readonly List<Resource> _resources = [];

        internal DistributedApplicationBuilder(string[] args) =>
            Configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .AddCommandLine(args.Select(arg => arg == "--demo" ? "--AppHost:Demo=true" : arg).ToArray())
                .Build();

        /// <summary>appsettings.json, then environment variables, then <c>--key=value</c> arguments.</summary>
        public IConfiguration Configuration { get; }

        public PostgresServerResource AddPostgres(string name) => Add(new PostgresServerResource(name));

        /// <summary>The installation's token signing key and bootstrap operator key (made on the first run, kept under the data folder).</summary>
        public InstallationSecrets AddInstallationSecrets()
        {
            var secrets = InstallationSecrets.Load(Configuration, new AppHostSettings(Configuration).DataFolder);
            if (secrets.BootstrapKeyCreated)
            {
                Console.WriteLine($"""

                    A fresh installation: the bootstrap operator's API key (every scope, every county) is
                      {secrets.BootstrapOperatorKey}
                    It is also in {secrets.BootstrapOperatorKeyFile}. Use it to create your own clients
                    (POST /api/gateway/clients), then revoke it (docs/gateway/README.md).

                    """);
            }
            return secrets;
        }

        public RabbitMQServerResource AddRabbitMQ(string name) => Add(new RabbitMQServerResource(name));

        /// <param name="projectPath">Relative to the repository root, e.g. "src/Services.Registry".</param>
        public ProjectResource AddProject(string name, string projectPath) => Add(new ProjectResource(name, projectPath));

        public DistributedApplication Build()
        {
            var names = _resources.Concat(_resources.OfType<PostgresServerResource>().SelectMany(s => s.Databases)).Select(r => r.Name);
            if (names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            {
                throw new InvalidOperationException($"Two resources are named '{duplicate.Key}'.");
            }
            return new(_resources, Configuration);
        }

        private T Add<T>(T resource) where T : Resource
        {
            _resources.Add(resource);
            return resource;
        }
    }
}
