using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.Dispatch;
using Platform.Evaluation;
using Platform.Gateway;
using Platform.IntegrationTests.Support;
using Platform.Probe;
using Platform.Registry;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests;

/// <summary>
/// The SQL migrations and the EF model must describe the same schema: each service's migrations are
/// applied to one database, the model's own create script to another, and their catalogs compared.
/// When this fails, the message holds the DDL EF would write for the model (see docs/migrations.md).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SchemaDriftTests(PlatformFixture fixture)
{
    public static TheoryData<string> ServiceContexts => [nameof(RegistryDbContext), nameof(DispatchDbContext), nameof(EvaluationDbContext), nameof(GatewayDbContext), nameof(ProbeDbContext)];

    [Theory]
    [MemberData(nameof(ServiceContexts))]
    public async Task Migrations_produce_exactly_the_schema_of_the_model(string contextName)
    {
        var migrated = await fixture.CreateDatabaseAsync("drift_m");
        var modelled = await fixture.CreateDatabaseAsync("drift_e");
        await using var migratedContext = Create(contextName, migrated.OwnerConnectionString);
        await using var modelContext = Create(contextName, modelled.OwnerConnectionString);

        await new SqlMigrator(NullLogger<SqlMigrator>.Instance)
            .MigrateAsync(migrated.OwnerConnectionString, SqlMigrator.Discover(migratedContext.GetType().Assembly), CancellationToken.None);
        var createScript = modelContext.Database.GenerateCreateScript();
        await modelContext.Database.ExecuteSqlRawAsync(createScript);

        var fromMigrations = await CatalogAsync(migrated.OwnerConnectionString);
        var fromModel = await CatalogAsync(modelled.OwnerConnectionString);
        var missing = fromModel.Except(fromMigrations).ToList();
        var extra = fromMigrations.Except(fromModel).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{contextName}: the migrations and the model differ.\n" +
            $"In the model, not in the migrations:\n  {string.Join("\n  ", missing)}\n" +
            $"In the migrations, not in the model:\n  {string.Join("\n  ", extra)}\n" +
            $"DDL EF writes for the model:\n{createScript}");

        // Every tenant-scoped table is isolated by row-level security, forced.
        var tenantTables = migratedContext.Model.GetEntityTypes()
            .Where(t => typeof(ITenantScoped).IsAssignableFrom(t.ClrType))
            .Select(t => t.GetTableName()!)
            .ToList();
        foreach (var table in tenantTables)
        {
            var isolated = await fixture.QueryScalarAsync<bool>(migrated.Name,
                $"SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = '{table}' AND relkind = 'r'");
            Assert.True(isolated, $"{table} is tenant-scoped but its migration did not call platform_enable_tenant_isolation.");
        }
    }

    private static ServiceDbContext Create(string name, string connectionString) => name switch
    {
        nameof(RegistryDbContext) => Contexts.Create<RegistryDbContext>(connectionString),
        nameof(DispatchDbContext) => Contexts.Create<DispatchDbContext>(connectionString),
        nameof(EvaluationDbContext) => Contexts.Create<EvaluationDbContext>(connectionString),
        nameof(GatewayDbContext) => Contexts.Create<GatewayDbContext>(connectionString),
        nameof(ProbeDbContext) => Contexts.Create<ProbeDbContext>(connectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Tables and columns (type, length, nullability, identity), indexes and constraints, as comparable lines.</summary>
    private static async Task<HashSet<string>> CatalogAsync(string connectionString)
    {
        const string sql = """
            SELECT format('column %s.%s %s%s %s%s', table_name, column_name, data_type,
                          coalesce('(' || character_maximum_length || ')', ''),
                          CASE WHEN is_nullable = 'YES' THEN 'null' ELSE 'not null' END,
                          CASE WHEN is_identity = 'YES' THEN ' identity ' || identity_generation ELSE '' END)
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
            UNION ALL
            SELECT format('index %s.%s %s%s', tablename, indexname,
                          CASE WHEN indexdef LIKE 'CREATE UNIQUE%' THEN 'unique ' ELSE '' END,
                          regexp_replace(indexdef, '^.* USING ', ''))
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
            UNION ALL
            SELECT format('constraint %s.%s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
            FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace AND conrelid <> 0 AND conrelid::regclass::text <> 'schema_migrations'
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return lines;
    }
}
