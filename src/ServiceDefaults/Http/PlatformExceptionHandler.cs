using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Maps what escapes a handler to problem details: bad input is the client's (4xx, naming the
/// field), anything else is ours (500 without internals). Handlers map the errors they expect
/// themselves; this is the net under them.
/// </summary>
internal sealed partial class PlatformExceptionHandler(IProblemDetailsService problems, ILogger<PlatformExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
            BadHttpRequestException bad when UnboundParameter(bad) is { } unbound => unbound,
            BadHttpRequestException bad => FromBadRequest(bad, httpContext),
            DbUpdateConcurrencyException => Problem(StatusCodes.Status409Conflict, ProblemCodes.ConcurrencyConflict, "Conflict",
                "The resource was changed by someone else; read it again and retry with its current version."),
            DbUpdateException db when PostgresErrors.IsUniqueViolation(db) => Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict,
                "Conflict", "The resource already exists."),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };

        if (problem is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is nobody to answer.
                httpContext.Response.StatusCode = 499;
                return true;
            }
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            problem = Problem(StatusCodes.Status500InternalServerError, ProblemCodes.InternalError, "Internal error",
                "The request could not be completed. Quote the traceId when reporting it.");
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails MalformedJson(JsonException json)
    {
        var field = JsonPathToField(json.Path);
        // A field the contract requires (a number or day that would otherwise read as 0 or Sunday) left out.
        if (MissingRequired().Match(json.Message) is { Success: true } missing)
        {
            var name = field is null ? missing.Groups["name"].Value : $"{field}.{missing.Groups["name"].Value}";
            return Problems.Validation(new Dictionary<string, string[]> { [name] = [$"'{name}' is required."] }).ProblemDetails;
        }
        // The serializer's own message names .NET types; the client gets the rule in its own terms.
        var detail = field is null
            ? json.Message.Contains("could not be converted", StringComparison.Ordinal) ? "The request body must be a JSON object." : "The request body is not valid JSON."
            : json.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"'{field}' is not a field of this request."
                : (ValueRule(json.InnerException?.Message) ?? EnumRule(json.Message, field)) is { } rule
                    ? $"'{field}' must be {rule}."
                    : $"'{field}' has a value of the wrong JSON type, or the body ends early.";
        var problem = Problem(StatusCodes.Status400BadRequest, ProblemCodes.MalformedJson, "Malformed JSON", detail);
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }
        return problem;
    }

    /// <summary>
    /// A query or route value the endpoint's parameter cannot take (<c>members=abc</c>,
    /// <c>page=two</c>): the same validation problem as any other invalid field, with the rule in
    /// the client's terms rather than the framework's message naming .NET types.
    /// </summary>
    private static HttpValidationProblemDetails? UnboundParameter(BadHttpRequestException bad)
    {
        var match = UnboundParameterMessage().Match(bad.Message);
        if (!match.Success)
        {
            return null;
        }
        var field = match.Groups["name"].Value;
        var rule = Rule(match.Groups["type"].Value) ?? "of the documented form";
        return Problems.Validation(new Dictionary<string, string[]> { [field] = [$"'{field}' must be {rule}."] }).ProblemDetails;
    }

    /// <summary>What a value of a .NET type must be, in the client's terms (null: no plain rule to give).</summary>
    private static string? Rule(string type) => type switch
    {
        "bool" or "Boolean" => "true or false",
        "int" or "Int32" or "long" or "Int64" or "short" or "Int16" => "a whole number",
        "double" or "Double" or "decimal" or "Decimal" or "float" or "Single" => "a number",
        "Guid" => "an id (a UUID)",
        "DateOnly" => "a date, yyyy-MM-dd",
        "DateTimeOffset" or "DateTime" or "Instant" => "an instant with its offset, e.g. 2026-12-01T08:00:00+08:00",
        "TimeOnly" => "a time of day, HH:mm",
        "Text" => "text without the NUL character (\\u0000)",
        _ => null,
    };

    /// <summary>
    /// The values an enum field takes, as the API spells them, when the serializer could not convert a
    /// value for it. Its message names the type being read ("could not be converted to
    /// Platform.Registry.Areas.CreateAreaRequest", or the enum itself): the field's own type is found on it.
    /// </summary>
    private static string? EnumRule(string message, string field)
    {
        var match = ConvertedTo().Match(message);
        if (!match.Success)
        {
            return null;
        }
        var name = match.Groups["type"].Value.TrimEnd('.'); // the sentence's full stop
        var type = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic).Select(a => a.GetType(name, throwOnError: false)).FirstOrDefault(t => t is not null);
        if (type is { IsEnum: false })
        {
            var property = field[(field.LastIndexOf('.') + 1)..];
            type = type.GetProperties().FirstOrDefault(p => string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase))?.PropertyType;
        }
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type is { IsEnum: true }
            ? "one of " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))
            : null;
    }

    /// <summary>The type in the serializer's message, unwrapped from <c>System.Nullable`1[…]</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("""could not be converted to (?:System\.Nullable`1\[)?(?<type>[A-Za-z0-9_.+]+)""")]
    private static partial System.Text.RegularExpressions.Regex ConvertedTo();

    /// <summary>
    /// What a JSON value should have been, from the reader's message under the serializer's ("Cannot
    /// get the value of a token type 'Number' as a string.", "The JSON value is not in a supported
    /// Guid format.", "… out of bounds for an Int32.").
    /// </summary>
    private static string? ValueRule(string? reader)
    {
        var match = reader is null ? System.Text.RegularExpressions.Match.Empty : ReaderMessage().Match(reader);
        return !match.Success ? null : match.Groups["token"].Value switch
        {
            "string" => "a string",
            "boolean" => "true or false",
            "number" => "a number",
            _ => Rule(match.Groups["type"].Value),
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex("""as an? (?<token>string|boolean|number)\b|supported (?<type>[A-Za-z]+) format|out of bounds for an? (?<type>[A-Za-z0-9]+)""")]
    private static partial System.Text.RegularExpressions.Regex ReaderMessage();

    /// <summary>ASP.NET Core's message for a value a parameter cannot take: <c>Failed to bind parameter "Nullable&lt;bool&gt; members" from "abc".</c></summary>
    [System.Text.RegularExpressions.GeneratedRegex("""missing required properties including: '(?<name>[^']+)'""")]
    private static partial System.Text.RegularExpressions.Regex MissingRequired();

    [System.Text.RegularExpressions.GeneratedRegex("""^Failed to bind parameter "(?:Nullable<)?(?<type>[A-Za-z]+)>? (?<name>[A-Za-z0-9_]+)" from""")]
    private static partial System.Text.RegularExpressions.Regex UnboundParameterMessage();

    private static ProblemDetails FromBadRequest(BadHttpRequestException bad, HttpContext httpContext) => bad.StatusCode switch
    {
        // "Implicit body inferred for parameter … but no body was provided", "… was not provided from body".
        _ when bad.Message.Contains("no body was provided", StringComparison.Ordinal) || bad.Message.Contains("not provided from body", StringComparison.Ordinal) =>
            Problem(bad.StatusCode, ProblemCodes.BadRequest, "Bad request", "This request needs a JSON body."),
        StatusCodes.Status413PayloadTooLarge => Problem(bad.StatusCode, ProblemCodes.PayloadTooLarge, "Payload too large", bad.Message),
        StatusCodes.Status415UnsupportedMediaType => Problem(bad.StatusCode, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
            ProblemDetailsExtensions.SendBodyAs(httpContext)),
        _ => Problem(bad.StatusCode, ProblemCodes.BadRequest, "Bad request", bad.Message),
    };

    private static ProblemDetails Problem(int status, string code, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Type = Problems.TypePrefix + code, Title = title, Detail = detail };
        problem.Extensions["code"] = code;
        return problem;
    }

    /// <summary>"$.name" → "name"; "$.items[2].code" → "items[2].code"; "$" → null.</summary>
    private static string? JsonPathToField(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
