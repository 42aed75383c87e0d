using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;

namespace Platform.LocalInfrastructure;

/// <summary>A service's database and the two roles that use it.</summary>
/// <param name="OwnerConnectionString">The schema owner's: migrations only.</param>
/// <param name="AppConnectionString">The application role's: no BYPASSRLS, so row-level security holds.</param>
public sealed record ServiceDatabase(string Name, string OwnerConnectionString, string AppConnectionString);

/// <summary>
/// Creates a service's database, its owner role (<c>{name}_owner</c>, owns the schema, runs the
/// migrations) and its application role (<c>{name}_app</c>, data access only, under row-level
/// security), idempotently and safely when called concurrently.
/// </summary>
public static partial class DatabaseProvisioner
{
    // Every provisioner on a server takes this lock in the admin database, so concurrent calls
    // (parallel tests) neither race on CREATE ROLE nor hit "tuple concurrently updated" on GRANT.
    private const long AdvisoryLock = 0x706C6174666F726D; // "platform"

    public static async Task<ServiceDatabase> EnsureAsync(string adminConnectionString, string databaseName, CancellationToken cancellationToken = default)
    {
        if (!Identifier().IsMatch(databaseName))
        {
            throw new ArgumentException($"'{databaseName}' is not a plain lower-case identifier of at most 56 characters.", nameof(databaseName));
        }
        var owner = databaseName + "_owner";
        var app = databaseName + "_app";
        // Fresh passwords on every call (set on existing roles too), so the returned strings also
        // work on a server with password authentication; locally authentication is trust.
        var ownerPassword = NewPassword();
        var appPassword = NewPassword();

        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        // Held until this unpooled session closes, whatever happens below.
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLock})", cancellationToken);
        await ExecuteAsync(connection, $"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
                    CREATE ROLE "{owner}" LOGIN;
                END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
                    CREATE ROLE "{app}" LOGIN;
                END IF;
            END
            $$;
            ALTER ROLE "{owner}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{ownerPassword}';
            ALTER ROLE "{app}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{appPassword}';
            """, cancellationToken);

        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", databaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                // CREATE DATABASE cannot run inside a DO block or a transaction.
                await ExecuteAsync(connection, $"CREATE DATABASE \"{databaseName}\" OWNER \"{owner}\" ENCODING 'UTF8' TEMPLATE template0", cancellationToken);
            }
        }

        var inDatabase = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = databaseName };
        await using var database = new NpgsqlConnection(inDatabase.ConnectionString);
        await database.OpenAsync(cancellationToken);
        await ExecuteAsync(database, $"""
            REVOKE ALL ON DATABASE "{databaseName}" FROM PUBLIC;
            GRANT CONNECT ON DATABASE "{databaseName}" TO "{app}";
            GRANT USAGE ON SCHEMA public TO "{app}";
            ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{app}";
            ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{app}";
            """, cancellationToken);

        return new ServiceDatabase(
            databaseName,
            ConnectionString(admin, databaseName, owner, ownerPassword),
            ConnectionString(admin, databaseName, app, appPassword));
    }

    private static string ConnectionString(NpgsqlConnectionStringBuilder admin, string database, string user, string password) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = admin.Host,
            Port = admin.Port,
            Database = database,
            Username = user,
            Password = password,
        }.ConnectionString;

    // Hex only: safe inside a SQL literal, which utility statements cannot take as a parameter.
    private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // Role names add "_owner" (6 characters) within PostgreSQL's 63.
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,55}$")]
    private static partial Regex Identifier();
}
