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
            }
        });
        services.AddExceptionHandler<PlatformExceptionHandler>();

        // Binding failures throw, so the exception handler can name the offending field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        return services;
    }
}
