using Microsoft.Extensions.Primitives;
using Platform.ServiceDefaults.Auth;

namespace Platform.Dispatch.Requests;

/// <summary>
/// Who acts on a request and from which channel, for its history. Integrators name the person they
/// act for in headers: <c>X-Actor-Role</c> (resident, grid_worker, community_officer, street_officer,
/// county_admin, unit_secretary, member), <c>X-Actor-Id</c>, <c>X-Actor-Name</c> (percent-encoded
/// UTF-8) and <c>X-Channel</c>; the gateway checks them against the credential and puts them in the
/// token, which is read here. Without them the caller is recorded as the integrator over the API.
/// </summary>
public sealed record Actor(string Role, string? Id, string? Name, string Channel)
{
    public static readonly IReadOnlyList<string> Roles =
        ["integrator", "resident", "grid_worker", "community_officer", "street_officer", "county_admin", "unit_secretary", "member", "system"];

    public static readonly Actor System = new("system", null, "supervision", "system");

    public static Actor From(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            var user = http.User;
            var claimed = user.FindFirst(PlatformClaims.ActorRole)?.Value;
            return new Actor(
                claimed is not null && Roles.Contains(claimed) ? claimed : "integrator",
                user.FindFirst(PlatformClaims.ActorId)?.Value,
                user.FindFirst(PlatformClaims.ActorName)?.Value,
                user.FindFirst(PlatformClaims.Channel)?.Value ?? "api");
        }
        var headers = http.Request.Headers;
        var role = Text(headers["X-Actor-Role"], 32);
        return new Actor(
            role is not null && Roles.Contains(role) ? role : "integrator",
            Text(headers["X-Actor-Id"], 64),
            Text(headers["X-Actor-Name"], 50),
            Text(headers["X-Channel"], 16) ?? "api");
    }

    /// <summary>
    /// A member acting for themself (a claim, a start, a completion): the member's id is what the history keeps,
    /// unless the integrator named the person by an id of its own.
    /// </summary>
    public Actor AsMember(Guid memberId) => Role switch
    {
        "integrator" => this with { Role = "member", Id = memberId.ToString() },
        "member" when Id is null => this with { Id = memberId.ToString() },
        _ => this,
    };

    private static string? Text(StringValues values, int maxLength)
    {
        var value = values.ToString();
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        try
        {
            value = Uri.UnescapeDataString(value).Trim();
        }
        catch (UriFormatException)
        {
            return null;
        }
        return value.Length <= maxLength ? value : value[..maxLength];
    }
}
