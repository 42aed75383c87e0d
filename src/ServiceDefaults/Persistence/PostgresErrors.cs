using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>Recognises PostgreSQL errors that mean "the client's conflict", not "our failure".</summary>
public static class PostgresErrors
{
    /// <summary>The database did not answer (down, unreachable, timed out), as opposed to a fault in the query.</summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is System.Data.Common.DbException or TimeoutException || exception.InnerException is System.Data.Common.DbException;

    /// <summary>True when the save failed on a unique constraint (optionally a named one).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception, string? constraintName = null) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres
        && (constraintName is null || string.Equals(postgres.ConstraintName, constraintName, StringComparison.Ordinal));

    /// <summary>
    /// True when the save was chosen to break a deadlock: two changes of the same rows, each waiting
    /// for the other. EF Core's execution strategy reports it as a transient failure around the
    /// save's own exception.
    /// </summary>
    public static bool IsDeadlock(Exception exception) =>
        (exception is InvalidOperationException { InnerException: { } inner } ? inner : exception)
            is DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected } };
}
