using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// Tells PostgreSQL which county the connection acts for, so row-level security holds even for a
/// query the ORM did not write: for the connection's session when it opens, which covers reads
/// outside a transaction (Npgsql resets session state when a connection returns to the pool), and
/// per transaction (<c>set_config(.., true)</c>) when the scope's county changed after the
/// connection opened. Without a county nothing is set and every tenant-scoped table reads as empty.
/// One instance per scope, like the DbContext it serves.
/// </summary>
public sealed class TenantDbInterceptor(ITenantContext tenant) : DbConnectionInterceptor, IDbTransactionInterceptor
{
    private DbConnection? _sessionConnection;
    private Guid? _sessionCounty;

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        await SetSessionAsync(connection, cancellationToken);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        SetSessionAsync(connection, CancellationToken.None).GetAwaiter().GetResult();

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Forget(connection);
        return Task.CompletedTask;
    }

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Forget(connection);

    public async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await SetTransactionAsync(connection, result, cancellationToken);
        return result;
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        SetTransactionAsync(connection, result, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    private async Task SetSessionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (tenant.CountyId is not { } countyId)
        {
            Forget(connection);
            return;
        }
        await ExecuteAsync(connection, null, countyId, isLocal: false, cancellationToken);
        _sessionConnection = connection;
        _sessionCounty = countyId;
    }

    private async Task SetTransactionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (tenant.CountyId is not { } countyId)
        {
            return;
        }
        if (ReferenceEquals(connection, _sessionConnection) && _sessionCounty == countyId)
        {
            return;
        }
        await ExecuteAsync(connection, transaction, countyId, isLocal: true, cancellationToken);
    }

    private void Forget(DbConnection connection)
    {
        if (ReferenceEquals(connection, _sessionConnection))
        {
            _sessionConnection = null;
            _sessionCounty = null;
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, Guid countyId, bool isLocal, CancellationToken cancellationToken)
    {
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
