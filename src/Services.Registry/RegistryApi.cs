using Platform.Registry.Areas;
using Platform.Registry.Counties;
using Platform.Registry.Imports;
using Platform.Registry.Members;
using Platform.Registry.Organisations;
using Platform.Registry.Pairings;
using Platform.Registry.Posts;
using Platform.Registry.Reports;
using Platform.Registry.Teams;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry;

/// <summary>Registry's HTTP API: the county directory, then everything of one county under <c>/api/registry/counties/{county}</c>.</summary>
public static class RegistryApi
{
    public static IEndpointRouteBuilder MapRegistryApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapCountiesApi();
        var county = endpoints.MapGroup($"/api/registry/counties/{{{TenancyExtensions.CountyRouteParameter}}}").RequireReadWriteScopes("registry");
        county.MapCountySettingsApi();
        county.MapAreasApi();
        county.MapOrganisationsApi();
        county.MapServiceStationsApi();
        county.MapMembersApi();
        county.MapVolunteerTeamsApi();
        county.MapPublicServicePostsApi();
        county.MapPairingsApi();
        county.MapReportsApi();
        county.MapImportsApi();
        return endpoints;
    }

    /// <summary>
    /// The <c>Location</c> of a 201 that adds to a resource (an office, an alliance member, a team
    /// member, a post claim) and answers with that resource: the resource itself, whose GET shows the
    /// addition. The request's path less its last segment (…/organisations/{id}/officers → …/organisations/{id}).
    /// </summary>
    internal static string ParentLocation(HttpContext http)
    {
        var path = http.Request.Path.Value!.TrimEnd('/');
        return path[..path.LastIndexOf('/')];
    }
}
