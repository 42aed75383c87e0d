using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Tenancy;

public static class TenancyExtensions
{
    /// <summary>The route parameter that names the county: <c>/api/{service}/counties/{county}/...</c>.</summary>
    public const string CountyRouteParameter = "county";

    internal static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.AddMemoryCache();
        services.AddScoped<TenantContext>();
        services.AddScoped<ITenantContext>(sp => sp.GetRequiredService<TenantContext>());
        return services;
    }

    /// <summary>
    /// Binds the request to the county named in its route: an unknown county answers 404 before any
    /// handler runs, and the handler's scope, database session and log scope act for that county.
    /// </summary>
    internal static IApplicationBuilder UseCountyTenancy(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetRouteValue(CountyRouteParameter) is not string code)
        {
            await next(context);
            return;
        }

        var county = await FindCountyAsync(context.RequestServices, code, context.RequestAborted);
        if (county is null)
        {
            await Problems.NotFound(ProblemCodes.CountyNotFound, $"No county with code '{code}' is known here.").ExecuteAsync(context);
            return;
        }

        context.RequestServices.GetRequiredService<TenantContext>().Set(county);
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Platform.Tenancy");
        using (logger.BeginScope(new Dictionary<string, object> { ["CountyId"] = county.Id, ["CountyCode"] = county.Code }))
        {
            await next(context);
        }
    });

    /// <summary>Finds a county by code in this service's directory; found counties are cached briefly (they change rarely).</summary>
    public static async Task<County?> FindCountyAsync(IServiceProvider services, string code, CancellationToken cancellationToken)
    {
        var cache = services.GetRequiredService<IMemoryCache>();
        var key = "county:" + code;
        if (cache.TryGetValue(key, out County? cached))
        {
            return cached;
        }
        var db = services.GetService<ServiceDbContext>();
        if (db is null)
        {
            return null;
        }
        var county = await db.Counties.AsNoTracking().FirstOrDefaultAsync(c => c.Code == code, cancellationToken);
        if (county is not null)
        {
            // Only hits are cached: a county registered a moment ago must resolve at once.
            cache.Set(key, county, TimeSpan.FromMinutes(1));
        }
        return county;
    }
}
