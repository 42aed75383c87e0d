using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// The one way the platform answers an error: RFC 9457 problem details with a stable
/// <c>type</c> (<c>urn:problem:{code}</c>) and <c>code</c>, so integrators can switch on them.
/// Codes are listed in docs/problems.md.
/// </summary>
public static class Problems
{
    public const string TypePrefix = "urn:problem:";

    public static ProblemHttpResult NotFound(string code, string detail) => Create(StatusCodes.Status404NotFound, code, "Not found", detail);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) =>
        Create(StatusCodes.Status409Conflict, code, "Conflict", detail, field);

    public static ProblemHttpResult Unprocessable(string code, string detail, string? field = null) =>
        Create(StatusCodes.Status422UnprocessableEntity, code, "Unprocessable request", detail, field);

    /// <summary>404 for a record of the county that does not exist (or belongs to another county): <c>{resource}_not_found</c>.</summary>
    public static ProblemHttpResult ResourceNotFound(string resource, Guid id) =>
        NotFound($"{resource}_not_found", $"No {resource.Replace('_', ' ')} with id {id} in this county.");

    /// <summary>422: the body names an id that does not exist in this county.</summary>
    public static ProblemHttpResult MissingReference(string field, string what, Guid id) =>
        Unprocessable(ProblemCodes.ReferenceNotFound, $"'{field}' names no {what} of this county ({id}).", field);

    /// <summary>422: the id exists but cannot be used here (wrong kind or level, retired, outside its parent ...).</summary>
    public static ProblemHttpResult InvalidReference(string field, string rule) =>
        Unprocessable(ProblemCodes.ReferenceInvalid, $"'{field}' {rule}.", field);

    /// <summary>400 with every failing field and rule, keyed by the field's JSON name.</summary>
    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(
            errors,
            detail: "One or more fields are invalid: " + string.Join(", ", errors.Keys) + ".",
            title: "Invalid request",
            type: TypePrefix + ProblemCodes.ValidationFailed,
            extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.ValidationFailed });

    public static ProblemHttpResult Create(int status, string code, string title, string detail, string? field = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Type = TypePrefix + code,
            Title = title,
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }
        return TypedResults.Problem(problem);
    }
}

/// <summary>Stable problem codes shared by every service.</summary>
public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string MalformedJson = "malformed_json";
    public const string BadRequest = "bad_request";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string CountyNotFound = "county_not_found";
    public const string NotFound = "not_found";
    public const string Conflict = "conflict";
    public const string ConcurrencyConflict = "concurrency_conflict";
    public const string PreconditionFailed = "precondition_failed";
    public const string IdempotencyKeyInUse = "idempotency_key_in_use";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string InternalError = "internal_error";
    public const string MessagingUnavailable = "messaging_unavailable";
    public const string ReferenceNotFound = "reference_not_found";
    public const string ReferenceInvalid = "reference_invalid";
}
