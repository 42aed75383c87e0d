using Microsoft.EntityFrameworkCore;
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
}
