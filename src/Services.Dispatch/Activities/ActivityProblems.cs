using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Activities;

/// <summary>The answers activities, attendance and monthly lists share: not found, a reference that does not hold, a state that forbids the change.</summary>
public static class ActivityProblems
{
    public static ProblemHttpResult NotFound(string resource, Guid id) => Problems.ResourceNotFound(resource, id);

    /// <summary>422: the body names an id that does not exist in this county.</summary>
    public static ProblemHttpResult MissingReference(string field, string what, Guid id) => Problems.MissingReference(field, what, id);

    /// <summary>422: the id exists but cannot be used here (wrong kind or level, retired, left ...).</summary>
    public static ProblemHttpResult InvalidReference(string field, string rule) => Problems.InvalidReference(field, rule);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) => Problems.Conflict(code, detail, field);

    /// <summary>409 for a change the activity's status forbids; the detail names the status it is in.</summary>
    public static ProblemHttpResult ActivityState(string code, Activity activity, string what) =>
        Problems.Conflict(code, $"The activity is {Wire.Of(activity.Status)}; {what}.");
}
