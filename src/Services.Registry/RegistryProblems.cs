using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Http;

namespace Platform.Registry;

/// <summary>The answers every Registry resource shares: not found, a reference that does not hold, a state that forbids the change.</summary>
public static class RegistryProblems
{
    public const string ReferenceNotFound = ProblemCodes.ReferenceNotFound;
    public const string ReferenceInvalid = ProblemCodes.ReferenceInvalid;

    public static ProblemHttpResult NotFound(string resource, Guid id) => Problems.ResourceNotFound(resource, id);

    /// <summary>422: the body names an id that does not exist in this county.</summary>
    public static ProblemHttpResult MissingReference(string field, string what, Guid id) => Problems.MissingReference(field, what, id);

    /// <summary>422: the id exists but cannot be used here (wrong kind or level, retired, outside its parent ...).</summary>
    public static ProblemHttpResult InvalidReference(string field, string rule) => Problems.InvalidReference(field, rule);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) => Problems.Conflict(code, detail, field);
}
