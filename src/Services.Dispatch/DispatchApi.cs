using Platform.Dispatch.Activities;
using Platform.Dispatch.Matching;
using Platform.Dispatch.Operations;
using Platform.Dispatch.Requests;
using Platform.Dispatch.Supervision;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch;

/// <summary>Dispatch's HTTP API: the county directory, then everything of one county under <c>/api/dispatch/counties/{county}</c>.</summary>
public static class DispatchApi
{
    public static IEndpointRouteBuilder MapDispatchApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapCountyDirectoryApi("dispatch");
        var county = endpoints.MapGroup($"/api/dispatch/counties/{{{TenancyExtensions.CountyRouteParameter}}}");
        county.MapRequestsApi();
        county.MapRequestCommandsApi();
        county.MapMatchingApi();
        county.MapSupervisionApi();
        county.MapActivitiesApi();
        endpoints.MapBusinessHealthApi();
        return endpoints;
    }
}
