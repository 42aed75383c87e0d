using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ServiceDefaults.Http;

internal static class ProblemDetailsExtensions
{
    internal static IServiceCollection AddPlatformProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Status-code-only answers (404 of an unknown route, 405, 415 ...) still carry a stable code.
            var problem = context.ProblemDetails;
            if (!problem.Extensions.ContainsKey("code"))
            {
                var code = problem.Status switch
                {
                    StatusCodes.Status404NotFound => ProblemCodes.NotFound,
                    StatusCodes.Status409Conflict => ProblemCodes.Conflict,
                    StatusCodes.Status413PayloadTooLarge => ProblemCodes.PayloadTooLarge,
                    StatusCodes.Status415UnsupportedMediaType => ProblemCodes.UnsupportedMediaType,
                    >= 500 => ProblemCodes.InternalError,
                    _ => ProblemCodes.BadRequest,
                };
                problem.Extensions["code"] = code;
                problem.Type = Problems.TypePrefix + code;
                problem.Detail ??= problem.Status switch
                {
                    StatusCodes.Status404NotFound => $"Nothing answers {context.HttpContext.Request.Method} {context.HttpContext.Request.Path} (an id in a path is a UUID).",
                    StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed here.",
                    StatusCodes.Status415UnsupportedMediaType => SendBodyAs(context.HttpContext),
                    _ => null,
                };
            }
        });
        services.AddExceptionHandler<PlatformExceptionHandler>();

        // Binding failures throw, so the exception handler can name the offending field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // A number is a JSON number, as true is a JSON true: "30" for a latitude is refused like "true" for a flag.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // Enum values by name only: a number would be a position in a list the client cannot see.
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
            options.SerializerOptions.Converters.Add(new InstantJsonConverter());
            options.SerializerOptions.Converters.Add(new TextJsonConverter());
        });
        return services;
    }

    /// <summary>
    /// What a 415 tells the client. Routing answers it before any endpoint is chosen, so which type
    /// would have done is not known here: the answer names the type sent and where the right one is
    /// written (JSON for nearly everything, CSV for imports).
    /// </summary>
    internal static string SendBodyAs(HttpContext context) =>
        $"This endpoint does not take a body of type '{context.Request.ContentType ?? "none"}'; its OpenAPI document names the type it takes " +
        "(application/json for nearly every endpoint, text/csv for imports).";
}
