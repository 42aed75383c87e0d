using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch;

/// <summary>Dispatch's own answers besides the shared ones in <see cref="Problems"/>.</summary>
public static class DispatchProblems
{
    public const string IllegalTransition = "illegal_transition";

    /// <summary>409: the command does not apply to a record in its current state; the state is in <c>status</c>.</summary>
    public static ProblemHttpResult Illegal(string what, string command, string status)
    {
        var article = what.Length > 0 && "aeiou".Contains(what[0], StringComparison.Ordinal) ? "an" : "a";
        var problem = Problems.Conflict(IllegalTransition, $"Cannot {command.Replace('_', ' ')} {article} {what} that is {status.Replace('_', ' ')}.");
        // `status` is the HTTP status (RFC 9457): the state goes under a name of its own.
        problem.ProblemDetails.Extensions["state"] = status;
        return problem;
    }
}
