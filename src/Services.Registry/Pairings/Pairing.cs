using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Registry.Areas;
using Platform.Registry.Organisations;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Pairings;

/// <summary>
/// A pairing (结对联系) of a unit organisation with a community (and some of its grids) for a period.
/// The unit's members who live elsewhere still report where they live; the pairing is the unit's
/// own commitment to the community.
/// </summary>
public sealed class Pairing : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    /// <summary>The unit organisation (机关/企业/事业单位).</summary>
    public Guid UnitId { get; init; }

    /// <summary>The community or village.</summary>
    public Guid CommunityId { get; init; }

    /// <summary>First day of the pairing, in the county's calendar.</summary>
    public DateOnly StartsOn { get; set; }

    /// <summary>Last day (inclusive); null while open-ended.</summary>
    public DateOnly? EndsOn { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public int Version { get; set; }

    public bool IsActiveOn(DateOnly day) => StartsOn <= day && (EndsOn is null || day <= EndsOn);
}

/// <summary>A grid of the community that the unit takes on in the pairing.</summary>
public sealed class PairingGrid : ITenantScoped
{
    public Guid PairingId { get; init; }

    public Guid GridId { get; init; }

    public Guid CountyId { get; set; }
}

/// <summary>A unit's responsibility in a pairing: a co-construction project, a livelihood task or a joint meeting.</summary>
public sealed class Commitment : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid PairingId { get; init; }

    public CommitmentKind Kind { get; init; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    public DateOnly? DueOn { get; set; }

    public CommitmentStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; set; }

    public int Version { get; set; }
}

public enum CommitmentKind
{
    /// <summary>共建项目</summary>
    CoConstructionProject,
    /// <summary>民生实事</summary>
    LivelihoodTask,
    /// <summary>联席会议</summary>
    JointMeeting,
}

public enum CommitmentStatus
{
    Open,
    Done,
    Cancelled,
}

internal sealed class PairingConfiguration :
    IEntityTypeConfiguration<Pairing>, IEntityTypeConfiguration<PairingGrid>, IEntityTypeConfiguration<Commitment>
{
    public void Configure(EntityTypeBuilder<Pairing> pairing)
    {
        pairing.ToTable("pairings");
        pairing.HasKey(p => p.Id);
        pairing.Property(p => p.Id).ValueGeneratedNever();
        pairing.HasIndex(p => new { p.UnitId, p.CommunityId, p.StartsOn }).IsUnique().HasDatabaseName("ux_pairings_unit_community_start");
        pairing.HasIndex(p => p.CommunityId);
        pairing.HasOne<Organisation>().WithMany().HasForeignKey(p => p.UnitId).OnDelete(DeleteBehavior.Restrict);
        pairing.HasOne<Area>().WithMany().HasForeignKey(p => p.CommunityId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<PairingGrid> grid)
    {
        grid.ToTable("pairing_grids");
        grid.HasKey(g => new { g.PairingId, g.GridId });
        grid.HasIndex(g => g.GridId);
        grid.HasOne<Pairing>().WithMany().HasForeignKey(g => g.PairingId).OnDelete(DeleteBehavior.Cascade);
        grid.HasOne<Area>().WithMany().HasForeignKey(g => g.GridId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<Commitment> commitment)
    {
        commitment.ToTable("commitments");
        commitment.HasKey(c => c.Id);
        commitment.Property(c => c.Id).ValueGeneratedNever();
        commitment.Property(c => c.Kind).HasConversion(Wire.Converter<CommitmentKind>()).HasMaxLength(32);
        commitment.Property(c => c.Status).HasConversion(Wire.Converter<CommitmentStatus>()).HasMaxLength(16);
        commitment.Property(c => c.Title).HasMaxLength(100);
        commitment.Property(c => c.Description).HasMaxLength(1000);
        commitment.HasIndex(c => c.PairingId);
        commitment.HasOne<Pairing>().WithMany().HasForeignKey(c => c.PairingId).OnDelete(DeleteBehavior.Cascade);
    }
}
