using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch;

/// <summary>Dispatch's database.</summary>
public sealed class DispatchDbContext(DbContextOptions<DispatchDbContext> options, ITenantContext tenant, TimeProvider clock)
    : ServiceDbContext(options, tenant, clock)
{
    protected override void ConfigureModel(ModelBuilder modelBuilder) => modelBuilder.ApplyRegistryReplica();
}
