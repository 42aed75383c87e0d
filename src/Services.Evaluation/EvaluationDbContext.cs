using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation;

/// <summary>Evaluation's database.</summary>
public sealed class EvaluationDbContext(DbContextOptions<EvaluationDbContext> options, ITenantContext tenant, TimeProvider clock)
    : ServiceDbContext(options, tenant, clock)
{
    protected override void ConfigureModel(ModelBuilder modelBuilder) => modelBuilder.ApplyRegistryReplica();
}
