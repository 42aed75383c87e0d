namespace Platform.AppHost.Hosting;

/// <summary>Something the platform needs running: infrastructure or one of its projects. Its name is the name others know it by.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}

/// <summary>A PostgreSQL server; its databases are what projects reference.</summary>
public sealed class PostgresServerResource(string name) : Resource(name)
{
    internal List<PostgresDatabaseResource> Databases { get; } = [];

    public PostgresDatabaseResource AddDatabase(string name)
    {
        var database = new PostgresDatabaseResource(name, this);
        Databases.Add(database);
        return database;
    }
}

/// <summary>
/// A service's database. A referencing project gets <c>ConnectionStrings__{name}</c> (the
/// application role, under row-level security) and <c>ConnectionStrings__{name}-owner</c> (the
/// owner role, for migrations).
/// </summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server) : Resource(name)
{
    public PostgresServerResource Server { get; } = server;
}

/// <summary>The message broker; a referencing project gets <c>ConnectionStrings__{name}</c> as an amqp:// URI.</summary>
public sealed class RabbitMQServerResource(string name) : Resource(name);

/// <summary>One of the platform's projects, run from its build output; a referencing project gets <c>services__{name}__http__0</c>.</summary>
public sealed class ProjectResource(string name, string projectPath) : Resource(name)
{
    /// <summary>Relative to the repository root, e.g. "src/Services.Registry".</summary>
    public string ProjectPath { get; } = projectPath;

    internal int? HttpPort { get; private set; }

    internal List<Resource> References { get; } = [];

    internal List<Resource> Waits { get; } = [];

    internal Dictionary<string, string> Environment { get; } = [];

    /// <summary>Passes a value in the environment (e.g. <c>Auth__SigningKey</c>).</summary>
    public ProjectResource WithEnvironment(string name, string value)
    {
        Environment[name] = value;
        return this;
    }

    /// <summary>Listens on http://127.0.0.1:{port}; <c>Services:{name}:Url</c> in configuration overrides it.</summary>
    public ProjectResource WithHttpEndpoint(int port)
    {
        HttpPort = port;
        return this;
    }

    /// <summary>Passes the resource's connection string or URL in the environment.</summary>
    public ProjectResource WithReference(Resource resource)
    {
        References.Add(resource);
        return this;
    }

    /// <summary>Starts only once the resource is ready: accepting connections (and provisioned), or answering /health.</summary>
    public ProjectResource WaitFor(Resource resource)
    {
        Waits.Add(resource);
        return this;
    }
}
