using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests.Support;

/// <summary>Builds a service's DbContext outside its host, with the platform's tenant interceptor.</summary>
public static class Contexts
{
    public static T Create<T>(string connectionString, TenantContext? tenant = null) where T : ServiceDbContext
    {
        tenant ??= new TenantContext();
        var options = new DbContextOptionsBuilder<T>()
            .UseNpgsql(connectionString)
            .AddInterceptors(TenantDbInterceptor.Instance)
            .Options;
        var context = (T)Activator.CreateInstance(typeof(T), options)!;
        context.Bind(tenant, TimeProvider.System);
        return context;
    }

    /// <summary>The services a scope needs for <typeparamref name="T"/> as a service registers it: pooled, bound to the scope's county.</summary>
    public static ServiceProvider Pooled<T>(string connectionString) where T : ServiceDbContext =>
        new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddScoped<TenantContext>()
            .AddScoped<ITenantContext>(provider => provider.GetRequiredService<TenantContext>())
            .AddServiceDbContext<T>(connectionString)
            .BuildServiceProvider();
}
