using System.Globalization;
using Npgsql;

namespace Platform.Bench;

/// <summary>
/// PostgreSQL's own work over a measurement, beside the statements: WAL written (and how much of it
/// full-page images, which follow every checkpoint), checkpoints, and autovacuum and autoanalyze runs
/// in the services' databases. These are what make its CPU per request differ from run to run.
/// </summary>
public sealed record PgActivity(long WalBytes, long FullPageImages, long Checkpoints, long Autovacuums, long Autoanalyzes)
{
    private static readonly string[] Services = ["registry", "dispatch", "evaluation"];

    public static async Task<PgActivity> ReadAsync(BenchPlatform platform, CancellationToken cancellationToken)
    {
        var cluster = await ReadRowAsync(platform, "dispatch",
            "SELECT (SELECT wal_bytes::bigint FROM pg_stat_wal), (SELECT wal_fpi FROM pg_stat_wal), (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)",
            cancellationToken);
        long vacuums = 0, analyzes = 0;
        foreach (var service in Services)
        {
            // Each database's own tables (the stats of a table are seen only from its database).
            var tables = await ReadRowAsync(platform, service,
                "SELECT coalesce(sum(autovacuum_count), 0)::bigint, coalesce(sum(autoanalyze_count), 0)::bigint FROM pg_stat_user_tables",
                cancellationToken);
            vacuums += tables[0];
            analyzes += tables[1];
        }
        return new PgActivity(cluster[0], cluster[1], cluster[2], vacuums, analyzes);
    }

    public PgActivity Since(PgActivity start) => new(
        WalBytes - start.WalBytes, FullPageImages - start.FullPageImages, Checkpoints - start.Checkpoints, Autovacuums - start.Autovacuums, Autoanalyzes - start.Autoanalyzes);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{WalBytes / 1048576.0:F0} MB of WAL ({FullPageImages} full-page images), {Checkpoints} checkpoint(s), {Autovacuums} autovacuum(s), {Autoanalyzes} autoanalyze(s)");

    private static async Task<long[]> ReadRowAsync(BenchPlatform platform, string service, string sql, CancellationToken cancellationToken)
    {
        await using var connection = platform.Connect(service);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetInt64)];
    }
}
