using Microsoft.AspNetCore.Http.Features;
using Platform.ServiceDefaults.Http;

namespace Platform.Gateway;

/// <summary>
/// Refuses a body declared larger than the limit before anything is forwarded: Kestrel would only
/// fail while the proxy streams it, which the proxy reports as a 400.
/// </summary>
public static class RequestSizeLimit
{
    public static IApplicationBuilder UseDeclaredBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max)
        {
            await Problems.Create(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, "Payload too large",
                $"The body is {context.Request.ContentLength} bytes; the limit is {max}.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
