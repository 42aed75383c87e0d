using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Applies an endpoint's own body size limit (<c>.WithMetadata(new RequestSizeLimitAttribute(n))</c>)
/// as soon as the endpoint is known, before any middleware reads the body (the idempotency key
/// hashes it), and refuses a body declared larger than it with 413. Other endpoints keep Kestrel's limit.
/// </summary>
internal static class EndpointBodySizeLimit
{
    internal static IApplicationBuilder UseEndpointBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is not { } metadata)
        {
            await next(context);
            return;
        }
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = metadata.MaxRequestBodySize;
        }
        if (metadata.MaxRequestBodySize is { } max && context.Request.ContentLength > max)
        {
            await Problems.Create(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, "Payload too large",
                $"The body is {context.Request.ContentLength} bytes; the limit is {max}.").ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
