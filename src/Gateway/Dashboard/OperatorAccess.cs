using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.Gateway.Access;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Telemetry.Operations;

namespace Platform.Gateway.Dashboard;

/// <summary>
/// Who may see the operations dashboard: the one seam is the <see cref="OperationsTelemetry.Policy"/>
/// ("ops") authorization policy every dashboard endpoint requires. It is met by the API key of an
/// operator client (no county) holding the <c>ops</c> scope, as <c>Authorization: Bearer KEY</c>, or
/// by the installation's operator key (<c>Gateway:OperatorKey</c>, else the bootstrap operator key),
/// also as the HttpOnly session cookie the login form sets (<see cref="OperatorSession"/>). No
/// credential answers 401, a wrong one (or a county's key) 403; a revoked key, or a session that
/// expired or whose key was revoked, 401 again. A browser gets the login form with any of them.
/// </summary>
public static partial class OperatorAccess
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

    private static async Task<IResult> LogInAsync(
        HttpContext context, IOptions<DashboardOptions> options, CredentialStore credentials, TimeProvider clock, ILoggerFactory loggers)
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
        var now = clock.GetUtcNow();
        if (await LapsedAsync(credentials, key, context, now, loggers.CreateLogger(typeof(OperatorAccess))) is not null)
        {
            return LoginPage.Result(StatusCodes.Status401Unauthorized, LoginPage.Lapsed);
        }
        context.Response.Cookies.Append(CookieName, OperatorSession.Issue(key, now), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/ops",
            MaxAge = options.Value.SessionLifetime,
        });
        return Results.Redirect(DashboardEndpoints.PagePath, permanent: false, preserveMethod: false);
    }

    /// <summary>Compares hashes in constant time, so neither the content nor the length leaks.</summary>
    internal static bool SameSecret(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>Why a gateway client's key no longer opens the dashboard (revoked, or replaced and past its overlap); null while it does.</summary>
    private static string? Lapse(Credential credential, DateTimeOffset now) => credential switch
    {
        { RevokedAt: not null } => "The operator key has been revoked.",
        { ExpiresAt: { } expires } when expires <= now => "The operator key was replaced and has stopped working.",
        _ => null,
    };

    /// <summary>
    /// Why the configured operator key no longer opens the dashboard when it is also a gateway
    /// client's key (the bootstrap key is): its revocation counts here as it does for the API, even
    /// while the setting stays. Null when it works, or is no client's key. While the gateway's
    /// database cannot be read the configured key is taken as it is: the dashboard is where an
    /// operator sees that outage.
    /// </summary>
    private static async Task<string?> LapsedAsync(CredentialStore credentials, string key, HttpContext context, DateTimeOffset now, ILogger logger)
    {
        try
        {
            return await credentials.FindAsync(key, context.RequestServices, context.RequestAborted) is { } credential ? Lapse(credential, now) : null;
        }
        catch (Exception exception) when (PostgresErrors.IsUnreachable(exception) && !context.RequestAborted.IsCancellationRequested)
        {
            LogRevocationUnchecked(logger, exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The gateway's database cannot be read: the operator key is accepted without checking its revocation")]
    private static partial void LogRevocationUnchecked(ILogger logger, Exception exception);

    /// <summary>A credential that was good and is no more: answered 401, so that the operator logs in again.</summary>
    private sealed class LapsedCredential(string message) : Exception(message);

    private sealed class OperatorKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<DashboardOptions> dashboard,
        CredentialStore credentials, TimeProvider clock)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            var bearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
            var result = await AuthenticateByKeyAsync(bearer);
            if (result.Failure is not null and not LapsedCredential && !string.IsNullOrEmpty(bearer)
                && await credentials.FindAsync(bearer, Context.RequestServices, Context.RequestAborted) is { } credential
                && credential.Client.IsOperator && credential.Client.Scopes.Contains("ops"))
            {
                return Lapse(credential, clock.GetUtcNow()) is { } lapsed
                    ? AuthenticateResult.Fail(new LapsedCredential(lapsed))
                    : Success(credential.Client.Name);
            }
            return result;
        }

        private async Task<AuthenticateResult> AuthenticateByKeyAsync(string? bearer)
        {
            var cookie = Request.Cookies[CookieName];
            if (string.IsNullOrEmpty(bearer) && string.IsNullOrEmpty(cookie))
            {
                return AuthenticateResult.NoResult();
            }
            var key = dashboard.Value.OperatorKey;
            var now = clock.GetUtcNow();
            var check = key is null ? OperatorSession.Check.Invalid
                : !string.IsNullOrEmpty(bearer) ? SameSecret(bearer, key) ? OperatorSession.Check.Valid : OperatorSession.Check.Invalid
                : OperatorSession.Read(cookie!, key, now, dashboard.Value.SessionLifetime);
            if (check == OperatorSession.Check.Invalid)
            {
                return AuthenticateResult.Fail("The operator credential is not valid.");
            }
            if (check == OperatorSession.Check.Expired)
            {
                return AuthenticateResult.Fail(new LapsedCredential("The session has expired; log in again."));
            }
            return await LapsedAsync(credentials, key!, Context, now, Logger) is { } lapsed
                ? AuthenticateResult.Fail(new LapsedCredential(lapsed))
                : Success("operator");
        }

        private static AuthenticateResult Success(string name)
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim("scope", "ops")], OperatorAccess.Scheme);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), OperatorAccess.Scheme));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            // A credential that was presented and refused is forbidden; none at all, or one that lapsed, asks for one.
            var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
            await DenyAsync(failure is null or LapsedCredential ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden, failure as LapsedCredential);
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => DenyAsync(StatusCodes.Status403Forbidden, null);

        private async Task DenyAsync(int status, LapsedCredential? lapsed)
        {
            if (status == StatusCodes.Status401Unauthorized)
            {
                Response.Headers.WWWAuthenticate = "Bearer realm=\"operations\"";
            }
            var browser = Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
            var result = browser
                ? LoginPage.Result(status, lapsed is not null ? LoginPage.Lapsed : status == StatusCodes.Status401Unauthorized ? null : LoginPage.Wrong)
                : status == StatusCodes.Status401Unauthorized
                    ? Problems.Create(status, "unauthenticated", "Unauthenticated",
                        lapsed?.Message ?? "The operations dashboard needs the operator's credential: Authorization: Bearer <operator key>.")
                    : Problems.Create(status, "forbidden", "Forbidden", "The credential presented is not the operator's.");
            await result.ExecuteAsync(Context);
        }
    }
}
