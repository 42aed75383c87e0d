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
}
