using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Gateway.Clients;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Gateway.Access;

public static class GatewayAccess
{
    /// <summary>The authorisation policy of everything forwarded to a service: a known, valid key.</summary>
    public const string CallerPolicy = "caller";

    /// <summary>API keys, the actor headers, rate limits and the token forwarded to the services.</summary>
    public static IHostApplicationBuilder AddGatewayAccess(this IHostApplicationBuilder builder)
    {
        // Fail at start, not at the first call, when the installation's signing key is missing.
        PlatformTokens.SigningKey(builder.Configuration);
        builder.Services.Configure<GatewayAccessOptions>(builder.Configuration.GetSection(GatewayAccessOptions.Section));
        builder.Services.AddSingleton<CredentialStore>();
        builder.Services.AddSingleton<RateLimitRefusals>();
        builder.Services.AddSingleton<RateLimits>();
        builder.Services.AddSingleton<ICallerGate>(services => services.GetRequiredService<RateLimits>());
        builder.Services.AddSingleton(services => new PlatformTokenIssuer(builder.Configuration, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddPlatformAuthorization(requireCallerByDefault: false);
        builder.Services.AddAuthorization(options => options.AddPolicy(CallerPolicy, policy => policy.RequireAuthenticatedUser()));
        return builder;
    }

    /// <summary>
    /// A fresh installation's operator credential (<c>Gateway:BootstrapOperatorKey</c>): stored
    /// hashed as the key of a client holding every scope, once. Revoking it sticks even while the
    /// setting stays (the hash is known, so it is not stored again).
    /// </summary>
    public static async Task EnsureBootstrapOperatorAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var key = app.Services.GetRequiredService<IOptions<GatewayAccessOptions>>().Value.BootstrapOperatorKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            return;
        }
        key = key.Trim();
        if (key.Length < ApiKeys.MinimumLength)
        {
            throw new InvalidOperationException($"Gateway:BootstrapOperatorKey must be at least {ApiKeys.MinimumLength} characters.");
        }
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatewayDbContext>();
        var hash = ApiKeys.Hash(key);
        if (await db.Keys.AnyAsync(k => k.Hash == hash, cancellationToken))
        {
            return;
        }
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var client = new ApiClient { Id = Guid.CreateVersion7(now), Name = "bootstrap operator", Scopes = [.. PlatformScopes.All], CreatedAt = now };
        db.Clients.Add(client);
        db.Keys.Add(new ApiKey { Id = Guid.CreateVersion7(now), ClientId = client.Id, Prefix = ApiKeys.Prefix(key), Hash = hash, CreatedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            app.Logger.LogInformation("Stored the bootstrap operator credential ({Prefix}…) as client {ClientId}", ApiKeys.Prefix(key), client.Id);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            // Another replica stored it first.
        }
    }
}
