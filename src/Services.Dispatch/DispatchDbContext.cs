using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch;

/// <summary>Dispatch's database: residents' requests and their closed loop, activities and attendance, and its copies of Registry's records.</summary>
public sealed class DispatchDbContext(DbContextOptions<DispatchDbContext> options, ITenantContext tenant, TimeProvider clock)
    : ServiceDbContext(options, tenant, clock)
{
    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyRegistryReplica().ApplyConfigurationsFromAssembly(typeof(DispatchDbContext).Assembly);
}
