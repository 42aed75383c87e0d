using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Applies versioned SQL migrations embedded in the platform's and the service's assemblies
/// (resources named <c>*.Migrations.NNNN_name.sql</c>), each in its own transaction with its history
/// row, under a PostgreSQL advisory lock so that replicas starting together migrate once. An applied
/// migration whose text changed stops the start: migrations are append-only. See docs/migrations.md.
/// </summary>
public sealed partial class SqlMigrator(ILogger<SqlMigrator> logger)
{
    /// <summary>Arbitrary, fixed: the advisory lock every replica of every service takes to migrate its own database.</summary>
    private const long AdvisoryLockKey = 0x5f_706c_6174_6d69;

    public sealed record Migration(string Id, string Sql, string Checksum);

    /// <summary>The platform's migrations first, then the service's, each set ordered by id.</summary>
    public static IReadOnlyList<Migration> Discover(Assembly serviceAssembly) =>
        Load(typeof(SqlMigrator).Assembly).Concat(Load(serviceAssembly)).ToList();

    public async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var applied = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var read = new NpgsqlCommand("SELECT id, checksum FROM schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied[reader.GetString(0)] = reader.GetString(1);
                }
            }

            var ran = new List<string>();
            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Id, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {migration.Id} was changed after it was applied. Add a new migration instead of editing an applied one.");
                    }
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (id, checksum) VALUES (@id, @checksum)", connection, transaction))
                {
                    record.Parameters.AddWithValue("id", migration.Id);
                    record.Parameters.AddWithValue("checksum", migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                LogApplied(logger, migration.Id, connection.Database);
                ran.Add(migration.Id);
            }
            return ran;
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static IEnumerable<Migration> Load(Assembly assembly) =>
        assembly.GetManifestResourceNames()
            .Where(name => name.Contains(".Migrations.", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var sql = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
                var file = name[(name.LastIndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..^".sql".Length];
                var id = $"{assembly.GetName().Name}/{file}";
                return new Migration(id, sql, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
            })
            .OrderBy(migration => migration.Id, StringComparer.Ordinal);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration} to {Database}")]
    private static partial void LogApplied(ILogger logger, string migration, string database);
}
