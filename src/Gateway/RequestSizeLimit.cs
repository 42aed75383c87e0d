using Microsoft.AspNetCore.Http.Features;
using Platform.ServiceDefaults.Http;

namespace Platform.Gateway;

/// <summary>
/// Refuses a body declared larger than the limit before anything is forwarded: Kestrel would only
/// fail while the proxy streams it, which the proxy reports as a 400. Bulk imports
/// (<c>/api/registry/counties/{county}/imports/{kind}</c>) get their own, larger limit
/// (<c>Imports:MaxRequestBodySize</c>, 32 MiB by default).
/// </summary>
public static class RequestSizeLimit
{
    public const long DefaultImportLimit = 32 * 1024 * 1024;

    public static IApplicationBuilder UseDeclaredBodySizeLimit(this IApplicationBuilder app)
    {
        var importLimit = app.ApplicationServices.GetRequiredService<IConfiguration>().GetValue("Imports:MaxRequestBodySize", DefaultImportLimit);
        return app.Use((context, next) => CheckAsync(context, next, importLimit));
    }

    private static async Task CheckAsync(HttpContext context, Func<Task> next, long importLimit)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (IsImport(context.Request.Path) && feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = importLimit;
        }
        var limit = feature?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max)
        {
            await Problems.Create(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge, "Payload too large",
                $"The body is {context.Request.ContentLength} bytes; the limit is {max}.").ExecuteAsync(context);
            return;
        }
        await next();
    }

    /// <summary>/api/registry/counties/{county}/imports/{kind}</summary>
    private static bool IsImport(PathString path)
    {
        var segments = (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["api", "registry", "counties", _, "imports", _];
    }
}
