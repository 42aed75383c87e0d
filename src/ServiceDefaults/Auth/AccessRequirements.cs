using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Platform.ServiceDefaults.Auth;

/// <summary>
/// The call needs a scope: one of <see cref="AnyOf"/>, or for an endpoint group with a read and a
/// write scope (<see cref="Area"/>), <c>{area}:read</c> to read and <c>{area}:write</c> to change.
/// </summary>
public sealed class ScopeRequirement : IAuthorizationRequirement
{
    private ScopeRequirement(string? area, IReadOnlyList<string> anyOf)
    {
        Area = area;
        AnyOf = anyOf;
    }

    public string? Area { get; }

    public IReadOnlyList<string> AnyOf { get; }

    public static ScopeRequirement ForArea(string area) => new(area, []);

    public static ScopeRequirement OneOf(IReadOnlyList<string> scopes) => new(null, scopes);

    /// <summary>The scopes that satisfy the requirement for a request with this method.</summary>
    public IReadOnlyList<string> ScopesFor(string method) =>
        Area is null ? AnyOf : [PlatformScopes.IsRead(method) ? PlatformScopes.Read(Area) : PlatformScopes.Write(Area)];
}

/// <summary>The person the integrator acts for must hold one of these roles (<c>X-Actor-Role</c>, put in the token by the gateway).</summary>
public sealed class RoleRequirement(IReadOnlyList<string> roles) : IAuthorizationRequirement
{
    public IReadOnlyList<string> Roles { get; } = roles;
}

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var method = (context.Resource as HttpContext)?.Request.Method ?? HttpMethods.Post;
        var scopes = requirement.ScopesFor(method);
        if (scopes.Any(context.User.HasScope))
        {
            context.Succeed(requirement);
        }
        else if (context.User.Identity?.IsAuthenticated == true)
        {
            context.Fail(new AuthorizationFailureReason(this,
                $"This call needs the scope {string.Join(" or ", scopes)}, which the credential does not hold."));
        }
        return Task.CompletedTask;
    }
}

internal sealed class RoleRequirementHandler : AuthorizationHandler<RoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
    {
        if (requirement.Roles.Any(role => context.User.HasClaim(PlatformClaims.Role, role)))
        {
            context.Succeed(requirement);
        }
        else if (context.User.Identity?.IsAuthenticated == true)
        {
            var acting = context.User.FindAll(PlatformClaims.Role).Select(c => c.Value).ToList();
            context.Fail(new AuthorizationFailureReason(this,
                $"Only a {string.Join(", ", requirement.Roles)} makes this move; the call acts for " +
                (acting.Count == 0 ? "nobody in particular: name the person in X-Actor-Role." : string.Join(", ", acting) + ".")));
        }
        return Task.CompletedTask;
    }
}
