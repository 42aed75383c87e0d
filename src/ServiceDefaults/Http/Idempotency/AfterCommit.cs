using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace Platform.ServiceDefaults.Http.Idempotency;

/// <summary>What a handler does once its changes are visible to other requests.</summary>
public static class AfterCommit
{
    /// <summary>
    /// Runs <paramref name="work"/> (forgetting a cache, matching broker bindings to the database …)
    /// once the request's changes are committed: at once when the context has no open transaction,
    /// else as the answer starts. A POST with an Idempotency-Key saves in the key's transaction,
    /// which ends (committed with a success, else rolled back) when the answer is known, before any of it
    /// is sent: work run earlier would read the database without the change, and work run after the
    /// answer would leave a moment in which the caller already holds it.
    /// </summary>
    public static Task RunAfterCommitAsync(this HttpContext http, DbContext db, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            return work(cancellationToken);
        }
        http.Response.OnStarting(() => work(CancellationToken.None));
        return Task.CompletedTask;
    }
}
