using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// Tells PostgreSQL which county the connection acts for, so row-level security holds even for a
/// query the ORM did not write: for the connection's session when it opens, which covers reads
/// outside a transaction (Npgsql resets session state when a connection returns to the pool), and
/// per transaction (<c>set_config(.., true)</c>) when the context's county changed after the
/// connection opened. Without a county nothing is set and every tenant-scoped table reads as empty.
/// Stateless (one for the process): the county and what was already said are the context's own.
/// </summary>
public sealed class TenantDbInterceptor : DbConnectionInterceptor, IDbTransactionInterceptor
{
    public static readonly TenantDbInterceptor Instance = new();

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        await SetSessionAsync(eventData.Context, connection, cancellationToken);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        SetSessionAsync(eventData.Context, connection, CancellationToken.None).GetAwaiter().GetResult();

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Forget(eventData.Context, connection);
        return Task.CompletedTask;
    }

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Forget(eventData.Context, connection);

    public async ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        await SetTransactionAsync(eventData.Context, connection, result, cancellationToken);
        return result;
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        SetTransactionAsync(eventData.Context, connection, result, CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    private static async Task SetSessionAsync(DbContext? context, DbConnection connection, CancellationToken cancellationToken)
    {
        if (Of(context) is not { } service)
        {
            return;
        }
        if (service.TenantCountyId is not { } countyId)
        {
            Forget(service, connection);
            return;
        }
        await ExecuteAsync(connection, null, countyId, isLocal: false, cancellationToken);
        service.TenantSession = (connection, countyId);
    }

    private static async Task SetTransactionAsync(DbContext? context, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (Of(context) is not { TenantCountyId: { } countyId } service)
        {
            return;
        }
        if (ReferenceEquals(connection, service.TenantSession.Connection) && service.TenantSession.County == countyId)
        {
            return;
        }
        await ExecuteAsync(connection, transaction, countyId, isLocal: true, cancellationToken);
    }

    private static void Forget(DbContext? context, DbConnection connection)
    {
        if (Of(context) is { } service && ReferenceEquals(connection, service.TenantSession.Connection))
        {
            service.TenantSession = default;
        }
    }

    private static ServiceDbContext? Of(DbContext? context) => context as ServiceDbContext;

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
