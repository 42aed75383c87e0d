using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.ServiceDefaults.Auth;

/// <summary>
/// A step every authenticated call passes before authorisation (the gateway's rate limits): it
/// answers the call itself and returns false to stop it.
/// </summary>
public interface ICallerGate
{
    ValueTask<bool> AdmitAsync(HttpContext context);
}

public static class AccessExtensions
{
    /// <summary>
    /// A service accepts only the gateway's token (JwtBearer over <c>Auth:SigningKey</c>): every
    /// endpoint needs it unless it allows anonymous callers (<c>/health</c>, <c>/alive</c>, the OpenAPI
    /// document); endpoint groups name their scopes, commands their roles; a county-bound token
    /// reaches only its county (another county's routes answer 404).
    /// </summary>
    public static IHostApplicationBuilder AddPlatformAuthentication(this IHostApplicationBuilder builder)
    {
        var key = PlatformTokens.SigningKey(builder.Configuration);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = PlatformTokens.ValidationParameters(key);
        });
        builder.Services.AddPlatformAuthorization(requireCallerByDefault: true);
        return builder;
    }

    /// <summary>The scope and role requirements, the problem answers and the county binding; the authentication scheme is the host's.</summary>
    public static IServiceCollection AddPlatformAuthorization(this IServiceCollection services, bool requireCallerByDefault)
    {
        services.AddAuthorization(options =>
        {
            if (requireCallerByDefault)
            {
                options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            }
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ScopeRequirementHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, RoleRequirementHandler>());
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AccessProblemResultHandler>();
        services.TryAddSingleton<PlatformAccessMarker>();
        return services;
    }

    /// <summary>
    /// Authentication, the caller gates, authorisation and the county binding, after routing (the
    /// endpoint's requirements are known) and before the county is resolved. Nothing unless the host
    /// added platform authentication.
    /// </summary>
    public static IApplicationBuilder UsePlatformAuthentication(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetService<PlatformAccessMarker>() is null)
        {
            return app;
        }
        app.UseAuthentication();
        foreach (var gate in app.ApplicationServices.GetServices<ICallerGate>())
        {
            app.Use(async (context, next) =>
            {
                if (await gate.AdmitAsync(context))
                {
                    await next(context);
                }
            });
        }
        app.UseAuthorization();
        return app.Use(async (context, next) =>
        {
            // DESIGN.md §4: another county's routes do not exist for a county-bound credential.
            if (context.GetRouteValue(TenancyExtensions.CountyRouteParameter) is string code
                && context.User.BoundCounty() is { } bound
                && !string.Equals(bound, code, StringComparison.Ordinal))
            {
                await Problems.NotFound(ProblemCodes.CountyNotFound, $"No county with code '{code}' is known here.").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }

    /// <summary>The group reads with <c>{area}:read</c> and changes with <c>{area}:write</c> (e.g. <c>requests</c>).</summary>
    public static TBuilder RequireReadWriteScopes<TBuilder>(this TBuilder builder, string area) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.AddRequirements(ScopeRequirement.ForArea(area)))
            .DescribeAccess(scopes: method => [PlatformScopes.IsRead(method) ? PlatformScopes.Read(area) : PlatformScopes.Write(area)]);

    /// <summary>Every call needs one of these scopes, whatever its method (e.g. <c>admin</c>).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params string[] anyOf) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.AddRequirements(ScopeRequirement.OneOf(anyOf)))
            .DescribeAccess(scopes: _ => anyOf);

    /// <summary>Only a person holding one of these roles makes this move (<c>X-Actor-Role</c>).</summary>
    public static TBuilder RequireRoles<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy => policy.AddRequirements(new RoleRequirement(roles)))
            .DescribeAccess(roles: roles);

    private static TBuilder DescribeAccess<TBuilder>(this TBuilder builder, Func<string, IReadOnlyList<string>>? scopes = null, IReadOnlyList<string>? roles = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            AccessDocumentation.Describe(operation, scopes?.Invoke(context.Description.HttpMethod ?? "GET"), roles);
            return Task.CompletedTask;
        });
}

/// <summary>Marks that the host added platform authentication.</summary>
internal sealed class PlatformAccessMarker;
