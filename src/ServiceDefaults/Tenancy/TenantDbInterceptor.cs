using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// Tells PostgreSQL which county the connection acts for, so row-level security holds even for a
/// query the ORM did not write: for the connection's session when it opens, which covers reads
/// outside a transaction, and per transaction (<c>set_config(.., true)</c>) when the context's county
/// changed after the connection opened. Without a county the session acts for none and every
/// tenant-scoped table reads as empty.
/// <para>
/// With <see cref="TenantSessions"/> (the services' own data sources, whose sessions keep their
/// settings in the pool) a session already acting for the wanted county is not told again, and one
/// acting for another county is told the new one (or none). Without (<see cref="Instance"/>, for a
/// data source that resets sessions on return to the pool) every open tells it.
/// </para>
/// The county and what was already said are the context's own; the interceptor is shared.
/// </summary>
public sealed class TenantDbInterceptor : DbConnectionInterceptor, IDbTransactionInterceptor
{
    /// <summary>For connections whose sessions are reset when they return to the pool (Npgsql's default).</summary>
    public static readonly TenantDbInterceptor Instance = new(null);

    private readonly TenantSessions? sessions;

    /// <param name="sessions">What each session of the data source holds; null when sessions are reset in the pool.</param>
    public TenantDbInterceptor(TenantSessions? sessions) => this.sessions = sessions;

    /// <summary>The interceptor that tells the context's connections their county.</summary>
    internal static TenantDbInterceptor For(ServiceDbContext context) =>
        context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<TenantDbInterceptor>().FirstOrDefault()
        ?? Instance;

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

    /// <summary>
    /// The context changed county on its open connection (<see cref="ServiceDbContext.ActForCountyAsync"/>):
    /// tells the open transaction, or the session when there is none.
    /// </summary>
    internal Task TellAsync(ServiceDbContext context, DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        transaction is null
            ? SetSessionAsync(context, connection, cancellationToken)
            : SetTransactionAsync(context, connection, transaction, cancellationToken);

    /// <summary>
    /// Tells the open connection's session the context's county (outside any transaction, so it
    /// holds until told otherwise).
    /// </summary>
    private async Task SetSessionAsync(DbContext? context, DbConnection connection, CancellationToken cancellationToken)
    {
        if (Of(context) is not { } service)
        {
            return;
        }
        var county = service.TenantCountyId;
        if (sessions is null)
        {
            if (county is { } id)
            {
                await ExecuteAsync(connection, null, id.ToString(), isLocal: false, cancellationToken);
            }
        }
        else
        {
            var processId = ((NpgsqlConnection)connection).ProcessID;
            var wanted = county ?? Guid.Empty;
            if (!sessions.Holds(processId, wanted))
            {
                sessions.Forget(processId);
                await ExecuteAsync(connection, null, county?.ToString() ?? "", isLocal: false, cancellationToken);
                sessions.Told(processId, wanted);
            }
        }
        service.TenantSession = county is { } countyId ? (connection, countyId) : default;
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
        await ExecuteAsync(connection, transaction, countyId.ToString(), isLocal: true, cancellationToken);
    }

    private static void Forget(DbContext? context, DbConnection connection)
    {
        if (Of(context) is { } service && ReferenceEquals(connection, service.TenantSession.Connection))
        {
            service.TenantSession = default;
        }
    }

    private static ServiceDbContext? Of(DbContext? context) => context as ServiceDbContext;

    /// <param name="county">The county's id, or empty for none.</param>
    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string county, bool isLocal, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT set_config('{RowLevelSecurity.Setting}', @county, {(isLocal ? "true" : "false")})";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "county";
        parameter.Value = county;
        command.Parameters.Add(parameter);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
