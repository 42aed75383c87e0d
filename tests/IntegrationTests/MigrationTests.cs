using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.IntegrationTests.Support;
using Platform.Probe;
using Platform.ServiceDefaults.Persistence;

namespace Platform.IntegrationTests;

[Collection(PlatformCollection.Name)]
public sealed class MigrationTests(PlatformFixture fixture)
{
    private static readonly IReadOnlyList<SqlMigrator.Migration> Migrations = SqlMigrator.Discover(typeof(ProbeDbContext).Assembly);

    [Fact]
    public async Task Replicas_starting_together_apply_each_migration_once()
    {
        var database = await fixture.CreateDatabaseAsync("migrate");
        var migrator = new SqlMigrator(NullLogger<SqlMigrator>.Instance);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => migrator.MigrateAsync(database.OwnerConnectionString, Migrations, CancellationToken.None))));

        Assert.Equal(Migrations.Select(m => m.Id).Order(StringComparer.Ordinal), runs.SelectMany(ran => ran).Order(StringComparer.Ordinal));
        Assert.Equal(Migrations.Count, await fixture.QueryScalarAsync<long>(database.Name, "SELECT count(*) FROM schema_migrations"));
        Assert.Empty(await migrator.MigrateAsync(database.OwnerConnectionString, Migrations, CancellationToken.None));
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_stops_the_start()
    {
        var database = await fixture.CreateDatabaseAsync("migrate");
        var migrator = new SqlMigrator(NullLogger<SqlMigrator>.Instance);
        await migrator.MigrateAsync(database.OwnerConnectionString, Migrations, CancellationToken.None);
        var edited = Migrations.Select((m, i) => i == Migrations.Count - 1 ? m with { Sql = m.Sql + "\n-- edited", Checksum = "edited" } : m).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(database.OwnerConnectionString, edited, CancellationToken.None));
        Assert.Contains(Migrations[^1].Id, error.Message);
    }

    [Fact]
    public async Task The_application_role_can_read_and_write_but_not_change_the_schema()
    {
        var database = await fixture.CreateDatabaseAsync("migrate");
        await new SqlMigrator(NullLogger<SqlMigrator>.Instance).MigrateAsync(database.OwnerConnectionString, Migrations, CancellationToken.None);
        await using var connection = new NpgsqlConnection(database.AppConnectionString);
        await connection.OpenAsync();

        await using (var insert = new NpgsqlCommand("INSERT INTO inbox_messages (message_id, consumer, received_at) VALUES (gen_random_uuid(), 'c', now())", connection))
        {
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        await using var drop = new NpgsqlCommand("DROP TABLE inbox_messages", connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => drop.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        await using var bypass = new NpgsqlCommand("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user", connection);
        Assert.False((bool)(await bypass.ExecuteScalarAsync())!);
    }
}
