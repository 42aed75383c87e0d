using System.Collections.Concurrent;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// The county each PostgreSQL session of one data source was last told, by backend process id, so a
/// connection taken from the pool whose session already acts for the wanted county is not told again
/// (a round trip per open, the most frequent statement the services sent). Sound only for a data
/// source whose sessions keep their settings when a connection returns to the pool (No Reset On
/// Close) and that reports each new physical connection (<see cref="Started"/>): a new session holds
/// no county, whatever process id it reuses. A process id not known here is told again.
/// <para>
/// Hence: a service's connection is opened only through EF Core (a query, a transaction,
/// <c>Database.OpenConnectionAsync</c>), never with <c>GetDbConnection().Open()</c>, which the
/// interceptor does not see: such a session would act for whichever county it last served.
/// </para>
/// <para>
/// One record per connection string for the process (<see cref="For"/>): EF Core may share one data
/// source between hosts in a process that use the same connection string, and every interceptor
/// telling that data source's sessions must read and write the same record.
/// </para>
/// </summary>
public sealed class TenantSessions
{
    /// <summary>Past it the record starts again: process ids of sessions long closed are not kept for ever.</summary>
    private const int MaximumSessions = 4096;

    private static readonly ConcurrentDictionary<string, TenantSessions> ByConnectionString = new();

    private readonly ConcurrentDictionary<int, Guid> counties = new();

    private TenantSessions()
    {
    }

    /// <summary>The record of the sessions opened with <paramref name="connectionString"/>.</summary>
    public static TenantSessions For(string connectionString) => ByConnectionString.GetOrAdd(connectionString, _ => new TenantSessions());

    /// <summary>A new physical connection: its session acts for no county.</summary>
    public void Started(int processId)
    {
        if (counties.Count >= MaximumSessions)
        {
            counties.Clear();
        }
        counties[processId] = Guid.Empty;
    }

    /// <summary>Whether the session acts for <paramref name="county"/> (<see cref="Guid.Empty"/>: for none).</summary>
    public bool Holds(int processId, Guid county) => counties.TryGetValue(processId, out var held) && held == county;

    /// <summary>Before telling a session anything: until it is known to have taken, the session's county is unknown.</summary>
    public void Forget(int processId) => counties.TryRemove(processId, out _);

    /// <summary>The session now acts for <paramref name="county"/> (<see cref="Guid.Empty"/>: for none).</summary>
    public void Told(int processId, Guid county) => counties[processId] = county;
}
