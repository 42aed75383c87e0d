using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>A county as every service shows it.</summary>
public sealed record CountyResponse(Guid Id, string Code, string Name, string TimeZone, DateTimeOffset RegisteredAt)
{
    public static CountyResponse From(County county) => new(county.Id, county.Code, county.Name, county.TimeZone, county.RegisteredAt);
}

/// <summary>
/// The counties a service knows: Registry's own records, or the copies Dispatch and Evaluation made
/// from <c>CountyRegistered</c>. Same shape in every service. A county-bound caller reaches only its
/// own county (DESIGN.md §4), so its list holds that county alone; an operator's holds every county.
/// </summary>
public static class CountyDirectoryApi
{
    public static RouteGroupBuilder MapCountyDirectoryApi(this IEndpointRouteBuilder endpoints, string service)
    {
        var counties = endpoints.MapGroup($"/api/{service}/counties").WithTags("Counties");
        counties.MapGet("/", ListCounties)
            .WithName($"{service}.ListCounties")
            .WithSummary("List the counties this service knows, by code")
            .WithDescription("A county's credential lists its own county only; an operator's lists every county.");
        counties.MapGet($"/{{{TenancyExtensions.CountyRouteParameter}}}", GetCounty)
            .WithName($"{service}.GetCounty")
            .WithSummary("Get one county by its administrative division code");
        return counties;
    }

    private static async Task<Results<Ok<Page<CountyResponse>>, ValidationProblem>> ListCounties(
        int? page, int? pageSize, ServiceDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var request))
        {
            return errors.ToProblem();
        }
        var query = db.Counties.AsNoTracking();
        if (user.BoundCounty() is { } bound)
        {
            query = query.Where(c => c.Code == bound);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(c => c.Code).Skip(request.Skip).Take(request.PageSize)
            .Select(c => new CountyResponse(c.Id, c.Code, c.Name, c.TimeZone, c.RegisteredAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<CountyResponse>(items, request.Page, request.PageSize, total));
    }

    /// <summary>The county route binding has already resolved the county (or answered 404).</summary>
    private static Ok<CountyResponse> GetCounty(ITenantContext tenant) => TypedResults.Ok(CountyResponse.From(tenant.County!));
}
