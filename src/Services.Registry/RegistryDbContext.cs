using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry;

/// <summary>Registry's database: the source of truth for counties and, later, who is who in each.</summary>
public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options, ITenantContext tenant, TimeProvider clock)
    : ServiceDbContext(options, tenant, clock)
{
    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
    }
}
