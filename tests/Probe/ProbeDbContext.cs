using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Probe;

/// <summary>One effect row per message handled: counting them tells whether a message took effect once.</summary>
public sealed class Effect : ITenantScoped
{
    public long Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid MessageId { get; init; }

    public required string Code { get; init; }
}

public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : ServiceDbContext(options)
{
    public DbSet<Effect> Effects => Set<Effect>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Effect>(effect =>
        {
            effect.ToTable("effects");
            effect.Property(e => e.Id).UseIdentityAlwaysColumn();
            effect.Property(e => e.Code).HasMaxLength(12);
        });
}
