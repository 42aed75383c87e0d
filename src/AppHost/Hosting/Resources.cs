namespace Platform.AppHost.Hosting;

/// <summary>Something the platform needs running: infrastructure or one of its projects.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>What the resource gives a project that references it (Aspire's environment contract).</summary>
    internal virtual IEnumerable<KeyValuePair<string, string>> ReferenceEnvironment(Orchestrator running) => [];
}

/// <summary>A PostgreSQL server; its databases are the resources projects reference.</summary>
public sealed class PostgresResource(string name) : Resource(name)
{
    internal List<DatabaseResource> Databases { get; } = [];

    public DatabaseResource AddDatabase(string name)
    {
        var database = new DatabaseResource(name, this);
        Databases.Add(database);
        return database;
    }
}

/// <summary>A service's database: <c>ConnectionStrings__{name}</c> (application role) and <c>__{name}-owner</c> (migrations).</summary>
public sealed class DatabaseResource(string name, PostgresResource server) : Resource(name)
{
    public PostgresResource Server { get; } = server;

    internal override IEnumerable<KeyValuePair<string, string>> ReferenceEnvironment(Orchestrator running)
    {
        var database = running.Database(Name);
        yield return new($"ConnectionStrings__{Name}", database.App);
        if (database.Owner is { } owner)
        {
            yield return new($"ConnectionStrings__{Name}-owner", owner);
        }
    }
}

/// <summary>The message broker: <c>ConnectionStrings__{name}</c> as an amqp:// URI.</summary>
public sealed class RabbitMqResource(string name) : Resource(name)
{
    internal override IEnumerable<KeyValuePair<string, string>> ReferenceEnvironment(Orchestrator running)
    {
        yield return new($"ConnectionStrings__{Name}", running.BrokerUri);
    }
}

/// <summary>One of the platform's projects, run from its build output.</summary>
public sealed class ProjectResource(string name, string projectPath) : Resource(name)
{
    public string ProjectPath { get; } = projectPath;

    internal List<Resource> References { get; } = [];

    internal List<Resource> Waits { get; } = [];

    public ProjectResource WithReference(Resource resource)
    {
        References.Add(resource);
        return this;
    }

    public ProjectResource WaitFor(Resource resource)
    {
        Waits.Add(resource);
        return this;
    }

    internal override IEnumerable<KeyValuePair<string, string>> ReferenceEnvironment(Orchestrator running)
    {
        yield return new($"services__{Name}__http__0", running.UrlOf(Name));
    }
}
