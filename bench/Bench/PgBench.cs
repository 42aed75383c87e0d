using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>The PostgreSQL ceiling of baselines.md: pgbench, 2 clients, one one-row INSERT per transaction.</summary>
public static partial class PgBench
{
    public static async Task<double> MeasureInsertTpsAsync(PostgresServer postgres, string scriptFolder, int seconds, CancellationToken cancellationToken)
    {
        const string database = "bench_pgbench";
        await using (var admin = new NpgsqlConnection(postgres.AdminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var inDatabase = new NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = database, Pooling = false };
        await using (var connection = new NpgsqlConnection(inDatabase.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var table = new NpgsqlCommand("CREATE TABLE rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, value int NOT NULL)", connection);
            await table.ExecuteNonQueryAsync(cancellationToken);
        }
        var script = Path.Combine(scriptFolder, "insert.sql");
        await File.WriteAllTextAsync(script, "INSERT INTO rows (value) VALUES (1);\n", cancellationToken);

        var start = new ProcessStartInfo(Program("pgbench")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-n", "-c", "2", "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script,
                     "-h", "127.0.0.1", "-p", postgres.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database,
                 })
        {
            start.ArgumentList.Add(argument);
        }
        await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var window = Machine.Begin("pgbench");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds + 30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var text = await output;
        window.End();
        var tps = Tps().Match(text);
        if (process.ExitCode != 0 || !tps.Success)
        {
            throw new InvalidOperationException($"pgbench failed (exit {process.ExitCode}):\n{text}\n{await error}");
        }
        var value = double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
        Log.Write($"  {value:F0} tps");
        return value;
    }

    private static string Program(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/lib/postgresql/15/bin")
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists) ?? throw new FileNotFoundException($"{name} not found: run scripts/setup.sh");

    [GeneratedRegex(@"tps = ([\d.]+) \(without initial connection time\)")]
    private static partial Regex Tps();
}
