using System.Reflection;
using Microsoft.Extensions.Configuration;
using Platform.LocalInfrastructure;

namespace Platform.AppHost.Hosting;

/// <summary>The AppHost's configuration keys and their defaults (listed in README.md).</summary>
internal sealed class AppHostSettings(IConfiguration configuration)
{
    /// <summary>The build configuration we were built in: the projects we start were built with us.</summary>
    public string BuildConfiguration { get; } =
        typeof(AppHostSettings).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Configuration")?.Value
        ?? "Debug";

    public string DataFolder => Path.GetFullPath(configuration["AppHost:DataFolder"] ?? ".platform", RepositoryRoot.Path);

    /// <summary>ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT of the projects.</summary>
    public string Environment => configuration["AppHost:Environment"] ?? "Development";

    /// <summary>How long a resource may take to become ready.</summary>
    public TimeSpan StartTimeout => configuration.GetValue("AppHost:StartTimeout", TimeSpan.FromMinutes(2));

    /// <summary>How long a project may take to exit after SIGTERM before it is killed.</summary>
    public TimeSpan StopTimeout => configuration.GetValue("AppHost:StopTimeout", TimeSpan.FromSeconds(10));

    /// <summary>Load the demo county (511621 岳池县) through the gateway once everything is ready (<c>--demo</c>).</summary>
    public bool Demo => configuration.GetValue("AppHost:Demo", false);

    public int PostgresPort => configuration.GetValue("Postgres:Port", 27432);

    public RabbitMqNodeOptions RabbitMq => new(
        Path.Combine(DataFolder, "rabbitmq"),
        configuration["RabbitMQ:NodeName"] ?? "platform@localhost",
        configuration.GetValue("RabbitMQ:AmqpPort", 27672),
        configuration.GetValue("RabbitMQ:ManagementPort", 27673),
        configuration.GetValue("RabbitMQ:DistributionPort", 27674))
    {
        EpmdPort = configuration.GetValue("RabbitMQ:EpmdPort", 27675),
    };

    public string? OtlpEndpoint => configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } endpoint ? endpoint : null;

    /// <summary>A connection string supplied by configuration (an existing server), if any.</summary>
    public string? SuppliedConnectionString(string name) => configuration.GetConnectionString(name) is { Length: > 0 } value ? value : null;

    /// <summary><c>Services:{name}:Url</c>, else http://127.0.0.1:{port from code}.</summary>
    public Uri UrlOf(ProjectResource project)
    {
        var configured = configuration[$"Services:{project.Name}:Url"];
        if (configured is null && project.HttpPort is null)
        {
            throw new InvalidOperationException($"{project.Name} has no HTTP endpoint: call WithHttpEndpoint or set Services:{project.Name}:Url.");
        }
        var url = configured ?? $"http://127.0.0.1:{project.HttpPort}";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException($"Services:{project.Name}:Url must be an http:// URL, not '{url}'.");
        }
        return uri;
    }
}
