using Platform.Dispatch.Activities;
using Platform.Dispatch.Matching;
using Platform.Dispatch.Operations;
using Platform.Dispatch.Requests;
using Platform.Dispatch.Supervision;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch;

/// <summary>
/// Dispatch's HTTP API: the county directory, then everything of one county under
/// <c>/api/dispatch/counties/{county}</c>: requests, matching and supervision with the
/// <c>requests</c> scopes, activities and monthly lists with the <c>activities</c> scopes.
/// </summary>
public static class DispatchApi
{
    public static IEndpointRouteBuilder MapDispatchApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapCountyDirectoryApi("dispatch");
        var county = endpoints.MapGroup($"/api/dispatch/counties/{{{TenancyExtensions.CountyRouteParameter}}}");
        var requests = county.MapGroup("").RequireReadWriteScopes("requests");
        requests.MapRequestsApi();
        requests.MapRequestCommandsApi();
        requests.MapMatchingApi();
        requests.MapSupervisionApi();
        county.MapGroup("").RequireReadWriteScopes("activities").MapActivitiesApi();
        endpoints.MapBusinessHealthApi();
        return endpoints;
    }
}
