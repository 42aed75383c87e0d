using System.Security.Claims;

namespace Platform.ServiceDefaults.Auth;

/// <summary>The claims of a platform token; the gateway's own principal carries the same ones.</summary>
public static class PlatformClaims
{
    public const string ClientId = "client_id";
    public const string ClientName = "client_name";

    /// <summary>The county's code (the route key) for a county-bound credential; absent for an operator.</summary>
    public const string County = "county";
    public const string CountyId = "county_id";

    /// <summary>"true" for a platform operator's credential, which acts across counties.</summary>
    public const string Operator = "operator";
    public const string Scope = "scope";

    /// <summary>The roles the call may exercise (one claim each).</summary>
    public const string Role = "role";

    /// <summary>The person the integrator acts for: the first role it named, their id and name, the channel.</summary>
    public const string ActorRole = "actor_role";
    public const string ActorId = "actor_id";
    public const string ActorName = "actor_name";
    public const string Channel = "channel";
}

/// <summary>
/// Named scopes, one pair per endpoint group: <c>:read</c> for GET and HEAD, <c>:write</c> for the
/// rest; <c>webhooks</c> for a county's subscriptions, <c>ops</c> for operators' views across
/// counties and <c>admin</c> for credentials and counties themselves.
/// </summary>
public static class PlatformScopes
{
    public const string Ops = "ops";
    public const string Admin = "admin";
    public const string Webhooks = "webhooks";

    /// <summary>Endpoint groups with a read and a write scope.</summary>
    public static readonly IReadOnlyList<string> Areas = ["registry", "requests", "activities", "evaluation"];

    public static readonly IReadOnlyList<string> All =
        [.. Areas.SelectMany(area => new[] { Read(area), Write(area) }), Webhooks, Ops, Admin];

    /// <summary>What only a platform operator's credential may hold.</summary>
    public static readonly IReadOnlyList<string> OperatorOnly = [Ops, Admin];

    public static string Read(string area) => area + ":read";

    public static string Write(string area) => area + ":write";

    /// <summary>GET, HEAD and OPTIONS read; everything else writes.</summary>
    public static bool IsRead(string method) => HttpMethodsReading.Contains(method);

    private static readonly HashSet<string> HttpMethodsReading = new(StringComparer.OrdinalIgnoreCase) { "GET", "HEAD", "OPTIONS" };
}

/// <summary>The people integrators act for (DESIGN.md §1), and which of them may make which move.</summary>
public static class PlatformRoles
{
    public const string Resident = "resident";
    public const string GridWorker = "grid_worker";
    public const string CommunityOfficer = "community_officer";
    public const string StreetOfficer = "street_officer";
    public const string CountyAdmin = "county_admin";
    public const string UnitSecretary = "unit_secretary";
    public const string Member = "member";

    public static readonly IReadOnlyList<string> All = [Resident, GridWorker, CommunityOfficer, StreetOfficer, CountyAdmin, UnitSecretary, Member];

    /// <summary>Dispatch (派单), decide extensions, cancel, escalate and acknowledge escalations.</summary>
    public static readonly string[] Dispatchers = [CommunityOfficer, StreetOfficer, CountyAdmin];

    /// <summary>Claim, accept, decline, start, record progress, complete, hand back, ask for time.</summary>
    public static readonly string[] Holders = [Member, UnitSecretary];

    /// <summary>Rate the result at the return visit (评单).</summary>
    public static readonly string[] Raters = [Resident, CommunityOfficer];

    /// <summary>Reopen a request that is not actually fixed.</summary>
    public static readonly string[] Reopeners = [Resident, CommunityOfficer, StreetOfficer, CountyAdmin];

    /// <summary>Blow the whistle (吹哨).</summary>
    public static readonly string[] Whistlers = [CommunityOfficer, StreetOfficer];

    /// <summary>The whistled unit acknowledges and reports (报到).</summary>
    public static readonly string[] WhistledUnits = [UnitSecretary];
}

/// <summary>
/// Who is calling, as the gateway established it from an API key and the actor headers, and as a
/// service reads it back from the token's claims.
/// </summary>
public sealed record PlatformCaller(
    Guid ClientId,
    string ClientName,
    Guid? CountyId,
    string? CountyCode,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Roles,
    string? ActorRole = null,
    string? ActorId = null,
    string? ActorName = null,
    string? Channel = null)
{
    public bool IsOperator => CountyCode is null;

    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(PlatformClaims.ClientId, ClientId.ToString());
        yield return new Claim(PlatformClaims.ClientName, ClientName);
        if (CountyCode is not null)
        {
            yield return new Claim(PlatformClaims.County, CountyCode);
            yield return new Claim(PlatformClaims.CountyId, CountyId.ToString()!);
        }
        else
        {
            yield return new Claim(PlatformClaims.Operator, "true");
        }
        foreach (var scope in Scopes)
        {
            yield return new Claim(PlatformClaims.Scope, scope);
        }
        foreach (var role in Roles)
        {
            yield return new Claim(PlatformClaims.Role, role);
        }
        foreach (var (type, value) in new[] { (PlatformClaims.ActorRole, ActorRole), (PlatformClaims.ActorId, ActorId), (PlatformClaims.ActorName, ActorName), (PlatformClaims.Channel, Channel) })
        {
            if (value is not null)
            {
                yield return new Claim(type, value);
            }
        }
    }

    /// <summary>The token's claims as a dictionary for the token handler (arrays for scopes and roles).</summary>
    public Dictionary<string, object> ToTokenClaims()
    {
        var claims = new Dictionary<string, object>
        {
            [PlatformClaims.ClientId] = ClientId.ToString(),
            [PlatformClaims.ClientName] = ClientName,
            [PlatformClaims.Scope] = Scopes.ToArray(),
            [PlatformClaims.Role] = Roles.ToArray(),
        };
        if (CountyCode is not null)
        {
            claims[PlatformClaims.County] = CountyCode;
            claims[PlatformClaims.CountyId] = CountyId.ToString()!;
        }
        else
        {
            claims[PlatformClaims.Operator] = "true";
        }
        foreach (var (type, value) in new[] { (PlatformClaims.ActorRole, ActorRole), (PlatformClaims.ActorId, ActorId), (PlatformClaims.ActorName, ActorName), (PlatformClaims.Channel, Channel) })
        {
            if (value is not null)
            {
                claims[type] = value;
            }
        }
        return claims;
    }
}

public static class CallerPrincipalExtensions
{
    public static bool HasScope(this ClaimsPrincipal user, string scope) => user.HasClaim(PlatformClaims.Scope, scope);

    /// <summary>The county a county-bound caller is limited to; null for an operator (or nobody).</summary>
    public static string? BoundCounty(this ClaimsPrincipal user) => user.FindFirst(PlatformClaims.County)?.Value;

    public static bool IsOperator(this ClaimsPrincipal user) => user.HasClaim(PlatformClaims.Operator, "true");

    public static Guid? ClientId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirst(PlatformClaims.ClientId)?.Value, out var id) ? id : null;
}
