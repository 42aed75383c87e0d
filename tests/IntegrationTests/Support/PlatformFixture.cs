using System.Net.Http.Headers;
using Npgsql;
using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests.Support;

/// <summary>
/// Real PostgreSQL and RabbitMQ, throwaway, started once for the whole run on free ports; the
/// platform's services are started as processes the first time a test asks for them.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _platformLock = new(1, 1);
    private RunningPlatform? _platform;

    public PostgresServer Postgres { get; private set; } = null!;

    public RabbitMqNode Broker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "platform-tests", Guid.NewGuid().ToString("n")[..12]);
        var postgres = PostgresServer.StartAsync(
            new PostgresServerOptions(Path.Combine(folder, "postgres"), FreePort.Next()) { Throwaway = true });
        var broker = RabbitMqNode.StartAsync(new RabbitMqNodeOptions(
            Path.Combine(folder, "rabbitmq"), $"test-{Guid.NewGuid():n}"[..20] + "@localhost",
            FreePort.Next(), FreePort.Next(), FreePort.Next()) { Throwaway = true });
        Postgres = await postgres;
        Broker = await broker;
    }

    /// <summary>A fresh database with the owner and application roles, as the AppHost provisions it.</summary>
    public Task<ServiceDatabase> CreateDatabaseAsync(string prefix) =>
        DatabaseProvisioner.EnsureAsync(Postgres.AdminConnectionString, $"{prefix}_{Guid.NewGuid():n}"[..30]);

    /// <summary>Runs a query as the superuser on the named database (for asserting what was written).</summary>
    public async Task<T> QueryScalarAsync<T>(string database, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(Postgres.AdminConnectionString) { Database = database };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A RabbitMQ virtual host of its own, for a test that counts every message it sees.</summary>
    public async Task<string> CreateVirtualHostAsync()
    {
        var vhost = "test-" + Guid.NewGuid().ToString("n")[..8];
        using var client = ManagementClient();
        (await client.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", null, "application/json");
        (await client.PutAsync($"api/permissions/{vhost}/guest", permissions)).EnsureSuccessStatusCode();
        return vhost;
    }

    public string AmqpUri(string? vhost = null) =>
        vhost is null ? Broker.AmqpUri : $"{Broker.AmqpUri.TrimEnd('/')}/{Uri.EscapeDataString(vhost)}";

    public HttpClient ManagementClient()
    {
        var client = new HttpClient { BaseAddress = Broker.ManagementUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return client;
    }

    /// <summary>Registry, Dispatch, Evaluation and the gateway, started once and shared by the tests that need them.</summary>
    public async Task<RunningPlatform> PlatformAsync()
    {
        await _platformLock.WaitAsync();
        try
        {
            return _platform ??= await RunningPlatform.StartAsync(this);
        }
        finally
        {
            _platformLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
