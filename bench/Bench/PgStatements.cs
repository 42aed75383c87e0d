using System.Globalization;
using System.Text;
using Npgsql;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>
/// What PostgreSQL spent its time on during a measurement, statement by statement, from
/// <c>pg_stat_statements</c>: on with <c>BENCH_PG_STATEMENTS=1</c> (the library is preloaded, which
/// costs PostgreSQL a little, so the figures of such a run are not the ones to compare). The top
/// statements by execution time go to the log and all of them to <c>pg-statements.tsv</c> in the run folder.
/// </summary>
public static class PgStatements
{
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("BENCH_PG_STATEMENTS") == "1";

    /// <summary>The server settings a run needs for it (none unless enabled).</summary>
    public static IReadOnlyList<string> ServerSettings => Enabled ? ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"] : [];

    /// <summary>Forgets what was counted so far (loading, warm-up): the report covers from here.</summary>
    public static async Task ResetAsync(PostgresServer postgres, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }
        await using var connection = new NpgsqlConnection(postgres.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Logs the <paramref name="top"/> statements by total execution time over <paramref name="seconds"/>, and writes every one to the run folder.</summary>
    public static async Task ReportAsync(PostgresServer postgres, RunFolder run, double seconds, int top, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }
        await using var connection = new NpgsqlConnection(postgres.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT d.datname, s.calls, s.total_exec_time, s.rows, regexp_replace(s.query, '\s+', ' ', 'g')
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            ORDER BY s.total_exec_time DESC
            """, connection);
        var rows = new List<(string Database, long Calls, double Milliseconds, long Rows, string Query)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetString(4)));
            }
        }
        var total = rows.Sum(r => r.Milliseconds);
        Log.Write($"PostgreSQL executed statements for {total / 1000:F1} s in {seconds:F0} s ({total / 10 / seconds:F0}% of one core); the most expensive:");
        foreach (var row in rows.Take(top))
        {
            Log.Write(string.Create(CultureInfo.InvariantCulture,
                $"  {row.Milliseconds / total * 100,5:F1}%  {row.Calls / seconds,7:F0}/s  {row.Milliseconds / Math.Max(1, row.Calls),7:F3} ms  {row.Database}: {Shorten(row.Query, 110)}"));
        }
        var table = new StringBuilder("database\tcalls\ttotal_ms\tmean_ms\trows\tquery\n");
        foreach (var row in rows)
        {
            table.Append(CultureInfo.InvariantCulture, $"{row.Database}\t{row.Calls}\t{row.Milliseconds:F1}\t{row.Milliseconds / Math.Max(1, row.Calls):F4}\t{row.Rows}\t{row.Query}\n");
        }
        var file = Path.Combine(run.Path, "pg-statements.tsv");
        await File.WriteAllTextAsync(file, table.ToString(), cancellationToken);
        Log.Write($"  every statement: {file}");
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
