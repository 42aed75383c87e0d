using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using Platform.ServiceDefaults.Http;

namespace Platform.ServiceDefaults.Auth;

/// <summary>Problem codes of authentication, authorisation and rate limiting (docs/problems.md).</summary>
public static class AccessProblemCodes
{
    /// <summary>401: no credential was sent.</summary>
    public const string AuthenticationRequired = "authentication_required";

    /// <summary>401: the credential is unknown, revoked, expired or malformed.</summary>
    public const string InvalidCredential = "invalid_credential";

    /// <summary>403: the credential lacks the scope the endpoint group needs.</summary>
    public const string InsufficientScope = "insufficient_scope";

    /// <summary>403: the person acted for does not hold a role that makes this move.</summary>
    public const string RoleNotAllowed = "role_not_allowed";

    /// <summary>429: a token bucket of the client or the county is empty.</summary>
    public const string RateLimited = "rate_limited";
}

/// <summary>
/// Answers a refused call as a problem: 401 with <c>WWW-Authenticate</c> (the scheme's challenge)
/// and what was wrong with the credential, or 403 naming the missing scope or role.
/// </summary>
internal sealed class AccessProblemResultHandler : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            if (policy.AuthenticationSchemes.Count > 0)
            {
                foreach (var scheme in policy.AuthenticationSchemes)
                {
                    await context.ChallengeAsync(scheme);
                }
            }
            else
            {
                await context.ChallengeAsync();
            }
            // The authentication middleware keeps only successful results: ask again (the handler has it cached).
            Exception? failure = null;
            var schemes = policy.AuthenticationSchemes.Count > 0 ? policy.AuthenticationSchemes.Cast<string?>().ToArray() : new string?[] { null };
            foreach (var scheme in schemes)
            {
                failure ??= (await context.AuthenticateAsync(scheme)).Failure;
            }
            var (code, detail) = failure switch
            {
                null => (AccessProblemCodes.AuthenticationRequired,
                    "Send the credential: through the gateway, 'Authorization: Bearer <API key>'; a service takes only the gateway's token."),
                SecurityTokenExpiredException => (AccessProblemCodes.InvalidCredential, "The token has expired."),
                SecurityTokenException => (AccessProblemCodes.InvalidCredential, "The token is not valid for this platform."),
                _ => (AccessProblemCodes.InvalidCredential, failure.Message),
            };
            await WriteAsync(context, StatusCodes.Status401Unauthorized, code, "Unauthorized", detail);
        }
        else if (authorizeResult.Forbidden)
        {
            // A handler that fails explicitly leaves its reason (and no failed requirement): the scope's comes first.
            var failure = authorizeResult.AuthorizationFailure;
            var reasons = failure?.FailureReasons.ToList() ?? [];
            var scope = reasons.FirstOrDefault(r => r.Handler is ScopeRequirementHandler);
            var role = reasons.FirstOrDefault(r => r.Handler is RoleRequirementHandler);
            var roleFailure = scope is null && (role is not null || failure?.FailedRequirements.OfType<RoleRequirement>().Any() == true);
            var code = roleFailure ? AccessProblemCodes.RoleNotAllowed : AccessProblemCodes.InsufficientScope;
            var detail = (roleFailure ? role : scope)?.Message ?? "The credential does not allow this call.";
            // The role comes from the X-Actor-Role header the gateway passed on: the field a client changes.
            await WriteAsync(context, StatusCodes.Status403Forbidden, code, "Forbidden", detail, roleFailure ? "X-Actor-Role" : null);
        }
        else
        {
            await next(context);
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string code, string title, string detail, string? field = null)
    {
        if (!context.Response.HasStarted)
        {
            await Problems.Create(status, code, title, detail, field).ExecuteAsync(context);
        }
    }
}
