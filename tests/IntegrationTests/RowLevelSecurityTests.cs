using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.IntegrationTests.Support;
using Platform.Probe;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests;

/// <summary>PostgreSQL itself keeps counties apart, below the ORM, for the application role and the owner alike.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RowLevelSecurityTests(PlatformFixture fixture)
{
    private static readonly Guid CountyA = Guid.NewGuid();
    private static readonly Guid CountyB = Guid.NewGuid();

    [Fact]
    public async Task A_transaction_for_one_county_cannot_see_or_write_another_countys_rows_even_with_raw_sql()
    {
        var database = await MigratedProbeDatabaseAsync();
        await InsertAsync(database.AppConnectionString, CountyA, CountyA, "A-1");
        await InsertAsync(database.AppConnectionString, CountyB, CountyB, "B-1");
        await InsertAsync(database.AppConnectionString, CountyB, CountyB, "B-2");

        Assert.Equal(1, await CountAsync(database.AppConnectionString, CountyA, "SELECT count(*) FROM effects"));
        Assert.Equal(0, await CountAsync(database.AppConnectionString, CountyA, $"SELECT count(*) FROM effects WHERE county_id = '{CountyB}'"));
        Assert.Equal(2, await CountAsync(database.AppConnectionString, CountyB, "SELECT count(*) FROM effects"));
        Assert.Equal(0, await CountAsync(database.AppConnectionString, null, "SELECT count(*) FROM effects"));
        // FORCE ROW LEVEL SECURITY: the table's owner is held to the same policy.
        Assert.Equal(1, await CountAsync(database.OwnerConnectionString, CountyA, "SELECT count(*) FROM effects"));
        Assert.Equal(0, await CountAsync(database.OwnerConnectionString, null, "SELECT count(*) FROM effects"));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(database.AppConnectionString, CountyA, CountyB, "B-by-A"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal(0, await CountAsync(database.AppConnectionString, CountyA, "UPDATE effects SET code = 'moved' WHERE county_id <> app_current_county() RETURNING 1") );
        Assert.Equal(3, await fixture.QueryScalarAsync<long>(database.Name, "SELECT count(*) FROM effects"));
    }

    [Fact]
    public async Task The_context_sees_only_its_county_even_when_the_query_filter_is_bypassed()
    {
        var database = await MigratedProbeDatabaseAsync();
        await InsertAsync(database.AppConnectionString, CountyA, CountyA, "A-1");
        await InsertAsync(database.AppConnectionString, CountyB, CountyB, "B-1");
        var tenant = new TenantContext();
        tenant.Set(CountyA);
        await using var db = Contexts.Create<ProbeDbContext>(database.AppConnectionString, tenant);

        Assert.Equal(["A-1"], await db.Effects.Select(e => e.Code).ToListAsync());
        Assert.Equal(["A-1"], await db.Effects.IgnoreQueryFilters().Select(e => e.Code).ToListAsync());
        Assert.Equal(["A-1"], await db.Effects.FromSql($"SELECT * FROM effects").IgnoreQueryFilters().Select(e => e.Code).ToListAsync());

        // A row for another county is refused before it reaches the database.
        db.Effects.Add(new Effect { CountyId = CountyB, MessageId = Guid.NewGuid(), Code = "B-by-A" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task A_pooled_context_that_one_county_left_connected_acts_for_the_next_scopes_county()
    {
        var database = await MigratedProbeDatabaseAsync();
        await InsertAsync(database.AppConnectionString, CountyA, CountyA, "A-1");
        await InsertAsync(database.AppConnectionString, CountyB, CountyB, "B-1");
        await using var services = Contexts.Pooled<ProbeDbContext>(database.AppConnectionString);

        ProbeDbContext first;
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(CountyA);
            first = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            // Opened by hand and never closed: the context goes back to the pool connected, its session set to county A.
            await first.Database.OpenConnectionAsync();
            Assert.Equal(["A-1"], await first.Effects.Select(e => e.Code).ToListAsync());
        }
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(CountyB);
            var second = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            Assert.Same(first, second);
            Assert.Equal(["B-1"], await second.Effects.Select(e => e.Code).ToListAsync());
            Assert.Equal(["B-1"], await second.Effects.IgnoreQueryFilters().Select(e => e.Code).ToListAsync());
        }
    }

    [Fact]
    public async Task One_session_kept_in_the_pool_acts_for_each_scopes_county_in_turn_and_for_none()
    {
        var database = await MigratedProbeDatabaseAsync();
        await InsertAsync(database.AppConnectionString, CountyA, CountyA, "A-1");
        await InsertAsync(database.AppConnectionString, CountyB, CountyB, "B-1");
        // One connection in the pool: every scope below gets the same PostgreSQL session.
        var oneSession = new NpgsqlConnectionStringBuilder(database.AppConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var services = Contexts.Pooled<ProbeDbContext>(oneSession);
        var sessions = new HashSet<int>();

        async Task<List<string>> ReadAsync(Guid? county, Func<ProbeDbContext, Task>? before = null)
        {
            await using var scope = services.CreateAsyncScope();
            if (county is { } id)
            {
                scope.ServiceProvider.GetRequiredService<TenantContext>().Set(id);
            }
            var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            await db.Database.OpenConnectionAsync();
            sessions.Add(((NpgsqlConnection)db.Database.GetDbConnection()).ProcessID);
            if (before is not null)
            {
                await before(db);
            }
            return await db.Effects.FromSql($"SELECT * FROM effects").IgnoreQueryFilters().Select(e => e.Code).OrderBy(c => c).ToListAsync();
        }

        Assert.Equal(["A-1"], await ReadAsync(CountyA));
        Assert.Equal(["A-1"], await ReadAsync(CountyA));
        Assert.Equal(["B-1"], await ReadAsync(CountyB));
        Assert.Empty(await ReadAsync(null));
        Assert.Equal(["A-1"], await ReadAsync(CountyA));
        // A scope that changes county on its open connection tells the session; the next scope is not misled by it.
        Assert.Equal(["B-1"], await ReadAsync(null, db => db.ActForCountyAsync(new County { Id = CountyB, Code = "B", Name = "B", TimeZone = "Asia/Shanghai" }, CancellationToken.None)));
        Assert.Empty(await ReadAsync(null));
        Assert.Equal(["A-1"], await ReadAsync(CountyA));
        Assert.Single(sessions);
    }

    [Fact]
    public async Task A_context_without_a_county_sees_no_tenant_rows()
    {
        var database = await MigratedProbeDatabaseAsync();
        await InsertAsync(database.AppConnectionString, CountyA, CountyA, "A-1");
        await using var db = Contexts.Create<ProbeDbContext>(database.AppConnectionString);

        Assert.Equal(0, await db.Effects.IgnoreQueryFilters().CountAsync());
    }

    private async Task<LocalInfrastructure.ServiceDatabase> MigratedProbeDatabaseAsync()
    {
        var database = await fixture.CreateDatabaseAsync("rls");
        await new SqlMigrator(NullLogger<SqlMigrator>.Instance)
            .MigrateAsync(database.OwnerConnectionString, SqlMigrator.Discover(typeof(ProbeDbContext).Assembly), CancellationToken.None);
        return database;
    }

    private static async Task InsertAsync(string connectionString, Guid actingCounty, Guid rowCounty, string code)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await SetCountyAsync(connection, transaction, actingCounty);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO effects (county_id, message_id, code) VALUES (@county, @message, @code)", connection, transaction);
        insert.Parameters.AddWithValue("county", rowCounty);
        insert.Parameters.AddWithValue("message", Guid.NewGuid());
        insert.Parameters.AddWithValue("code", code);
        await insert.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    private static async Task<long> CountAsync(string connectionString, Guid? county, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (county is { } id)
        {
            await SetCountyAsync(connection, transaction, id);
        }
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        long rows = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows = sql.StartsWith("SELECT", StringComparison.Ordinal) ? reader.GetInt64(0) : rows + 1;
            }
        }
        await transaction.CommitAsync();
        return rows;
    }

    private static async Task SetCountyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid county)
    {
        await using var set = new NpgsqlCommand($"SELECT set_config('{RowLevelSecurity.Setting}', @county, true)", connection, transaction);
        set.Parameters.AddWithValue("county", county.ToString());
        await set.ExecuteNonQueryAsync();
    }
}
