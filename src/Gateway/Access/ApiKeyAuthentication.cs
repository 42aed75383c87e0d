using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Auth;

namespace Platform.Gateway.Access;

/// <summary>
/// Authenticates an integrator by its API key: <c>Authorization: Bearer &lt;key&gt;</c>, or
/// <c>X-Api-Key</c>, or for Open311 clients the <c>api_key</c> parameter (query, or form field of a
/// POST). An unknown, revoked or expired key fails with a reason; no key leaves the caller anonymous
/// (endpoints that need a caller answer 401).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    CredentialStore store, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private static readonly object CallerKey = new();
    private static readonly object ActorProblemKey = new();

    /// <summary>The authenticated caller of this request, if any.</summary>
    public static ActingCaller? CallerOf(HttpContext context) => context.Items[CallerKey] as ActingCaller;

    internal static Credential? CredentialOf(HttpContext context) => context.Items[typeof(Credential)] as Credential;

    /// <summary>A problem with the actor headers, answered before anything else runs.</summary>
    internal static IResult? ActorProblemOf(HttpContext context) => context.Items[ActorProblemKey] as IResult;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = await ReadKeyAsync(Request);
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }
        var credential = await store.FindAsync(key, Context.RequestServices, Context.RequestAborted);
        if (credential is null)
        {
            return AuthenticateResult.Fail("The API key is not known.");
        }
        var now = clock.GetUtcNow();
        if (credential.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("The API key has been revoked.");
        }
        if (credential.ExpiresAt is { } expires && expires <= now)
        {
            return AuthenticateResult.Fail($"The API key was replaced by a newer one and stopped working at {expires:O}.");
        }
        Context.Items[typeof(Credential)] = credential;
        var variant = ActorHeaders.VariantKey(Request);
        if (!credential.Callers.TryGetValue(variant, out var acting))
        {
            var (caller, problem) = ActorHeaders.Read(Request, credential);
            if (problem is not null)
            {
                Context.Items[ActorProblemKey] = problem;
                // Authenticated as the client alone: the gate answers the problem before anything runs.
                var client = credential.Client;
                return Success(new ActingCaller(new PlatformCaller(client.Id, client.Name, client.CountyId, client.CountyCode, client.Scopes, []), Scheme.Name));
            }
            acting = credential.Callers.GetOrAdd(variant, new ActingCaller(caller!, Scheme.Name));
        }
        return Success(acting);
    }

    private AuthenticateResult Success(ActingCaller acting)
    {
        Context.Items[CallerKey] = acting;
        return AuthenticateResult.Success(new AuthenticationTicket(acting.Principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"platform\"";
        return Task.CompletedTask;
    }

    private static async Task<string?> ReadKeyAsync(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return NonEmpty(authorization[7..]);
        }
        if (NonEmpty(request.Headers["X-Api-Key"].ToString()) is { } header)
        {
            return header;
        }
        if (!request.Path.StartsWithSegments("/open311"))
        {
            return null;
        }
        if (NonEmpty(request.Query["api_key"].ToString()) is { } query)
        {
            return query;
        }
        if (HttpMethods.IsPost(request.Method))
        {
            // A body that is no readable form carries no key; the endpoint answers for the body.
            var (form, _) = await Forms.ReadAsync(request, request.HttpContext.RequestAborted);
            return NonEmpty(form["api_key"].ToString());
        }
        return null;
    }

    private static string? NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
