using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// Tells PostgreSQL which county the connection acts for, so row-level security holds even for a
/// query the ORM did not write: per transaction (<c>set_config(.., true)</c>), and for the
/// connection's session when it opens, which covers reads outside a transaction (Npgsql resets
/// session state when a connection returns to the pool). Without a county nothing is set and
/// every tenant-scoped table reads as empty.
/// </summary>
public sealed class TenantDbInterceptor(ITenantContext tenant) : DbConnectionInterceptor, IDbTransactionInterceptor
{
    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        await SetAsync(connection, null, isLocal: false, cancellationToken);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        SetAsync(connection, null, isLocal: false, CancellationToken.None).GetAwaiter().GetResult();

    public async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await SetAsync(connection, result, isLocal: true, cancellationToken);
        return result;
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        SetAsync(connection, result, isLocal: true, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    private async Task SetAsync(DbConnection connection, DbTransaction? transaction, bool isLocal, CancellationToken cancellationToken)
    {
        if (tenant.CountyId is not { } countyId)
        {
            return;
        }
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT set_config('{RowLevelSecurity.Setting}', @county, {(isLocal ? "true" : "false")})";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "county";
        parameter.Value = countyId.ToString();
        command.Parameters.Add(parameter);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
