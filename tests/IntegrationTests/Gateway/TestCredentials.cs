using System.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using Platform.Gateway.Clients;
using Platform.ServiceDefaults.Auth;

namespace Platform.IntegrationTests.Gateway;

/// <summary>
/// The installation secrets of a test run, made the way the AppHost makes them: the token signing
/// key every process shares and the bootstrap operator's API key. Tests that call a service
/// directly mint the gateway's token themselves.
/// </summary>
public static class TestCredentials
{
    public static readonly string SigningKey = PlatformTokens.NewSigningKey();

    public static readonly string OperatorKey = ApiKeys.New();

    public static readonly PlatformCaller Operator = new(Guid.Empty, "test operator", null, null, PlatformScopes.All, PlatformRoles.All);

    public static AuthenticationHeaderValue Bearer(string key) => new("Bearer", key);

    /// <summary>A token as the gateway would forward it, for a direct call to a service.</summary>
    public static AuthenticationHeaderValue ServiceToken(PlatformCaller? caller = null, TimeSpan? lifetime = null)
    {
        var issuer = new PlatformTokenIssuer(new SymmetricSecurityKey(Convert.FromBase64String(SigningKey)), TimeProvider.System,
            lifetime ?? PlatformTokens.DefaultLifetime);
        return new AuthenticationHeaderValue("Bearer", issuer.Issue(caller ?? Operator).Token);
    }
}
