using Microsoft.EntityFrameworkCore;
using Platform.Dispatch.Requests;
using Platform.Dispatch.Supervision;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch;

/// <summary>Dispatch's database: residents' requests and their closed loop, activities and attendance, and its copies of Registry's records.</summary>
public sealed class DispatchDbContext(DbContextOptions<DispatchDbContext> options) : ServiceDbContext(options)
{
    public DbSet<ServiceRequest> Requests => Set<ServiceRequest>();

    public DbSet<RequestClaimant> RequestClaimants => Set<RequestClaimant>();

    public DbSet<RequestHistoryEntry> RequestHistory => Set<RequestHistoryEntry>();

    public DbSet<RequestExtension> RequestExtensions => Set<RequestExtension>();

    public DbSet<RequestCategory> RequestCategories => Set<RequestCategory>();

    public DbSet<Escalation> Escalations => Set<Escalation>();

    public DbSet<Whistle> Whistles => Set<Whistle>();

    public DbSet<SupervisionTimer> SupervisionTimers => Set<SupervisionTimer>();

    public DbSet<ReplicaArea> Areas => Set<ReplicaArea>();

    public DbSet<ReplicaOrganisation> Organisations => Set<ReplicaOrganisation>();

    public DbSet<ReplicaMember> Members => Set<ReplicaMember>();

    public DbSet<ReplicaPairing> Pairings => Set<ReplicaPairing>();

    public DbSet<ReplicaCountySettings> Settings => Set<ReplicaCountySettings>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyRegistryReplica().ApplyConfigurationsFromAssembly(typeof(DispatchDbContext).Assembly);
}
