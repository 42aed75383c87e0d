using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>Declares the platform's resources, the way an Aspire AppHost does, then runs them.</summary>
public sealed class DistributedApplication
{
    private readonly List<Resource> _resources;
    private readonly IConfiguration _configuration;

    private DistributedApplication(List<Resource> resources, IConfiguration configuration)
    {
        _resources = resources;
        _configuration = configuration;
    }

    public static Builder CreateBuilder(string[] args) => new(args);

    /// <summary>Starts everything, waits for Ctrl+C or SIGTERM, stops everything; the exit code says whether start-up succeeded.</summary>
    public async Task<int> RunAsync()
    {
        await using var orchestrator = new Orchestrator(_resources, _configuration);
        return await orchestrator.RunAsync();
    }

    public sealed class Builder
    {
        private readonly List<Resource> _resources = [];
        private readonly IConfiguration _configuration;

        internal Builder(string[] args) =>
            _configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .AddCommandLine(args)
                .Build();

        public PostgresResource AddPostgres(string name) => Add(new PostgresResource(name));

        public RabbitMqResource AddRabbitMQ(string name) => Add(new RabbitMqResource(name));

        public ProjectResource AddProject(string name, string projectPath) => Add(new ProjectResource(name, projectPath));

        public DistributedApplication Build() => new(_resources, _configuration);

        private T Add<T>(T resource) where T : Resource
        {
            _resources.Add(resource);
            return resource;
        }
    }
}
