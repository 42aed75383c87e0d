using Npgsql;

namespace Platform.LocalInfrastructure;

/// <summary>A service's database and the two roles that use it.</summary>
/// <param name="OwnerConnectionString">The schema owner's: migrations only.</param>
/// <param name="AppConnectionString">The application role's: no BYPASSRLS, so row-level security holds.</param>
public sealed record ServiceDatabase(string Name, string OwnerConnectionString, string AppConnectionString);

/// <summary>Creates a service's database, its owner role and its application role, idempotently.</summary>
public static class DatabaseProvisioner
{
    public static async Task<ServiceDatabase> EnsureAsync(string adminConnectionString, string databaseName, CancellationToken cancellationToken = default)
    {
        var owner = databaseName + "_owner";
        var app = databaseName + "_app";
        var password = "local-" + databaseName;

        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await ExecuteAsync(admin, $"""
                DO $$
                BEGIN
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
                        CREATE ROLE "{owner}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}';
                    END IF;
                    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
                        CREATE ROLE "{app}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}';
                    END IF;
                END
                $$;
                """, cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin);
            exists.Parameters.AddWithValue("name", databaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await ExecuteAsync(admin, $"CREATE DATABASE \"{databaseName}\" OWNER \"{owner}\" ENCODING 'UTF8'", cancellationToken);
            }
        }

        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = databaseName };
        await using (var database = new NpgsqlConnection(builder.ConnectionString))
        {
            await database.OpenAsync(cancellationToken);
            await ExecuteAsync(database, $"""
                REVOKE ALL ON DATABASE "{databaseName}" FROM PUBLIC;
                GRANT CONNECT ON DATABASE "{databaseName}" TO "{app}";
                GRANT USAGE ON SCHEMA public TO "{app}";
                ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}";
                ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{app}";
                """, cancellationToken);
        }

        return new ServiceDatabase(databaseName, ConnectionString(builder, owner, password), ConnectionString(builder, app, password));
    }

    private static string ConnectionString(NpgsqlConnectionStringBuilder admin, string user, string password) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = admin.Host,
            Port = admin.Port,
            Database = admin.Database,
            Username = user,
            Password = password,
        }.ConnectionString;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
