using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Optimistic concurrency over HTTP: a versioned resource answers with <c>ETag: "N"</c> (its version)
/// and an update may send <c>If-Match: "N"</c>; when the resource moved on meanwhile the update
/// answers 412 and changes nothing. Races between the read and the write inside one update are
/// caught by the version column itself (409 concurrency_conflict).
/// </summary>
public static class ETags
{
    public static string Of(int version) => $"\"{version}\"";

    /// <summary>Sets the response's ETag to the record's version.</summary>
    public static void Tag(HttpContext context, IVersioned record) => context.Response.Headers.ETag = Of(record.Version);

    /// <summary>
    /// 412 when If-Match is present and names neither <c>*</c> nor the record's current version as a
    /// strong tag; 400 when a tag is not quoted; null otherwise.
    /// </summary>
    public static ProblemHttpResult? PreconditionFailed(HttpContext context, IVersioned record) => PreconditionFailed(context, record.Version);

    /// <summary>The same for a resource whose version is kept apart from any one record (e.g. a county's set of categories).</summary>
    public static ProblemHttpResult? PreconditionFailed(HttpContext context, int version)
    {
        var ifMatch = context.Request.Headers.IfMatch;
        if (ifMatch.Count == 0)
        {
            return null;
        }
        var current = Of(version);
        var weak = false;
        foreach (var value in ifMatch)
        {
            foreach (var tag in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (tag == "*" || tag == current)
                {
                    return null;
                }
                if (!tag.EndsWith('"') || !(tag.StartsWith('"') || tag.StartsWith("W/\"", StringComparison.Ordinal)))
                {
                    // An unquoted 3 is not the tag "3": say how to write it rather than that the version moved on.
                    return Problems.Create(StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, "Bad request",
                        $"If-Match holds entity tags in quotes, as the ETag header gives them: If-Match: {current}, not {tag}.", "If-Match");
                }
                weak |= tag == "W/" + current;
            }
        }
        // If-Match compares strongly (RFC 9110, 13.1.1): a weak tag never matches, not even one naming the
        // current version, since a weak tag promises only an equivalent representation, not this one.
        return Problems.Create(StatusCodes.Status412PreconditionFailed, ProblemCodes.PreconditionFailed, "Precondition failed",
            weak
                ? $"If-Match compares entity tags strongly, and a weak tag (W/...) never matches: send the tag as the ETag header gives it, {current}."
                : $"If-Match names a version this resource no longer has; its current version is {current}. Read it again and retry.",
            "If-Match");
    }
}
