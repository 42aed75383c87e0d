using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

/// <summary>
/// Who may see the operations dashboard: the one seam is the <see cref="OperationsTelemetry.Policy"/>
/// ("ops") authorization policy every dashboard endpoint requires. It is met by the API key of an
/// operator client (no county) holding the <c>ops</c> scope, as <c>Authorization: Bearer KEY</c>, or
/// by the installation's operator key (<c>Gateway:OperatorKey</c>, else the bootstrap operator key),
/// also as the HttpOnly session cookie the login form sets (an HMAC of the key, never the key). No
/// credential answers 401, a wrong one (or a county's key) 403; a browser gets the login form with either.
/// </summary>
public static class OperatorAccess
{
    public const string Scheme = "OperatorKey";
    public const string CookieName = "platform_ops";
    public const string LoginPath = "/ops/login";

    public static IServiceCollection AddOperatorAccess(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, OperatorKeyHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(OperationsTelemetry.Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser());
        return services;
    }

    public static IEndpointRouteBuilder MapOperatorLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LoginPath, (HttpContext context, IOptions<DashboardOptions> options) =>
            LoginPage.Result(StatusCodes.Status200OK, options.Value.OperatorKey is null ? LoginPage.NotConfigured : null))
            .ExcludeFromDescription();
        endpoints.MapPost(LoginPath, LogInAsync).ExcludeFromDescription();
        endpoints.MapPost("/ops/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/ops" });
            return Results.Redirect(LoginPath, permanent: false, preserveMethod: false);
        }).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> LogInAsync(HttpContext context, IOptions<DashboardOptions> options)
    {
        var key = options.Value.OperatorKey;
        var (form, unreadable) = await Forms.ReadAsync(context.Request, context.RequestAborted);
        if (unreadable is not null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest, "Bad request", unreadable);
        }
        var presented = form["key"].ToString();
        if (key is null)
        {
            return LoginPage.Result(StatusCodes.Status403Forbidden, LoginPage.NotConfigured);
        }
        if (string.IsNullOrEmpty(presented))
        {
            return LoginPage.Result(StatusCodes.Status401Unauthorized, LoginPage.Missing);
        }
        if (!SameSecret(presented, key))
        {
            return LoginPage.Result(StatusCodes.Status403Forbidden, LoginPage.Wrong);
        }
        context.Response.Cookies.Append(CookieName, SessionToken(key), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/ops",
            MaxAge = TimeSpan.FromHours(12),
        });
        return Results.Redirect(DashboardEndpoints.PagePath, permanent: false, preserveMethod: false);
    }

    /// <summary>The cookie's value: proves the key was presented without carrying it.</summary>
    internal static string SessionToken(string key) =>
        Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), "platform-ops-session"u8));

    /// <summary>Compares hashes in constant time, so neither the content nor the length leaks.</summary>
    internal static bool SameSecret(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class OperatorKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<DashboardOptions> dashboard,
        Access.CredentialStore credentials, TimeProvider clock)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var result = AuthenticateByKey();
            if (result.Failure is not null && Request.Headers.Authorization.ToString() is var header
                && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && await credentials.FindAsync(header["Bearer ".Length..].Trim(), Context.RequestServices, Context.RequestAborted) is { } credential
                && credential.RevokedAt is null && (credential.ExpiresAt is not { } expires || expires > clock.GetUtcNow())
                && credential.Client.IsOperator && credential.Client.Scopes.Contains("ops"))
            {
                var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, credential.Client.Name), new Claim("scope", "ops")], OperatorAccess.Scheme);
                return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), OperatorAccess.Scheme));
            }
            return result;
        }

        private AuthenticateResult AuthenticateByKey()
        {
            var header = Request.Headers.Authorization.ToString();
            var bearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
            var cookie = Request.Cookies[CookieName];
            if (string.IsNullOrEmpty(bearer) && string.IsNullOrEmpty(cookie))
            {
                return AuthenticateResult.NoResult();
            }
            var key = dashboard.Value.OperatorKey;
            var valid = key is not null && (!string.IsNullOrEmpty(bearer) ? SameSecret(bearer, key) : SameSecret(cookie!, SessionToken(key)));
            if (!valid)
            {
                return AuthenticateResult.Fail("The operator credential is not valid.");
            }
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim("scope", "ops")], OperatorAccess.Scheme);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), OperatorAccess.Scheme));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            // A credential that was presented and refused is forbidden; none at all asks for one.
            var refused = (await HandleAuthenticateOnceSafeAsync()).Failure is not null;
            await DenyAsync(refused ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized);
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => DenyAsync(StatusCodes.Status403Forbidden);

        private async Task DenyAsync(int status)
        {
            if (status == StatusCodes.Status401Unauthorized)
            {
                Response.Headers.WWWAuthenticate = "Bearer realm=\"operations\"";
            }
            var browser = Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
            var result = browser
                ? LoginPage.Result(status, status == StatusCodes.Status401Unauthorized ? null : LoginPage.Wrong)
                : status == StatusCodes.Status401Unauthorized
                    ? Problems.Create(status, "unauthenticated", "Unauthenticated", "The operations dashboard needs the operator's credential: Authorization: Bearer <operator key>.")
                    : Problems.Create(status, "forbidden", "Forbidden", "The credential presented is not the operator's.");
            await result.ExecuteAsync(Context);
        }
    }
}
