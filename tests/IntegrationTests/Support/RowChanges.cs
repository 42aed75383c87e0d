namespace Platform.IntegrationTests.Support;

/// <summary>Another transaction holding and changing a row while a command or a consumer acts on it.</summary>
public static class RowChanges
{
    /// <summary>
    /// Sends a command while another transaction changes one row, as a cancelling or closing command in
    /// flight holds it: the command must wait for that transaction (it is seen waiting on a lock), and
    /// then see the row as the change left it. Returns what the command returned.
    /// </summary>
    public static async Task<T> WhileRowChangesAsync<T>(
        this PlatformFixture fixture, string database, string table, Guid id, string change, Func<Task<T>> command)
    {
        var admin = new Npgsql.NpgsqlConnectionStringBuilder(fixture.Postgres.AdminConnectionString) { Database = database };
        await using var changing = new Npgsql.NpgsqlConnection(admin.ConnectionString);
        await changing.OpenAsync();
        await using var transaction = await changing.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand($"SELECT 1 FROM {table} WHERE id = '{id}' FOR UPDATE", changing, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }
        var sent = command();
        await Poll.UntilAsync(() => fixture.QueryScalarAsync<long>(database,
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND wait_event_type = 'Lock'"),
            waiting => waiting > 0, TimeSpan.FromSeconds(20), $"the command to wait for the {table} row");
        await using (var update = new Npgsql.NpgsqlCommand($"UPDATE {table} SET {change} WHERE id = '{id}'", changing, transaction))
        {
            await update.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return await sent;
    }
}
