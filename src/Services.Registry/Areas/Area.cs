using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Areas;

/// <summary>
/// A node of the county's administrative tree: street/township (街道/镇) → community/village (社区/村)
/// → grid (网格) → residential compound (小区) as a sub-grid. The county itself is the tenant, the root.
/// </summary>
public sealed class Area : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    /// <summary>The county's own code for the node (e.g. the statistical division code); unique in the county.</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public AreaLevel Level { get; init; }

    /// <summary>The node above; null for a street or township.</summary>
    public Guid? ParentId { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set when retired; a node with active children cannot be retired.</summary>
    public DateTimeOffset? RetiredAt { get; set; }

    public int Version { get; set; }

    public bool IsActive => RetiredAt is null;
}

public enum AreaLevel
{
    /// <summary>街道</summary>
    Street,
    /// <summary>镇/乡</summary>
    Township,
    /// <summary>社区</summary>
    Community,
    /// <summary>村</summary>
    Village,
    /// <summary>网格</summary>
    Grid,
    /// <summary>小区 (a residential compound, a sub-grid)</summary>
    Compound,
}

public static class AreaLevels
{
    /// <summary>The levels a node of each level may sit under (empty: directly under the county).</summary>
    public static IReadOnlyList<AreaLevel> AllowedParents(AreaLevel level) => level switch
    {
        AreaLevel.Street or AreaLevel.Township => [],
        AreaLevel.Community or AreaLevel.Village => [AreaLevel.Street, AreaLevel.Township],
        AreaLevel.Grid => [AreaLevel.Community, AreaLevel.Village],
        AreaLevel.Compound => [AreaLevel.Grid],
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>Community or village: the level members live in, units pair with and posts belong to.</summary>
    public static bool IsCommunity(this AreaLevel level) => level is AreaLevel.Community or AreaLevel.Village;

    /// <summary>Grid or compound: where a member's home and a grid role sit.</summary>
    public static bool IsGrid(this AreaLevel level) => level is AreaLevel.Grid or AreaLevel.Compound;

    public static string ToWire(this AreaLevel level) => Wire.Of(level);
}

internal sealed class AreaConfiguration : IEntityTypeConfiguration<Area>
{
    public void Configure(EntityTypeBuilder<Area> area)
    {
        area.ToTable("areas");
        area.HasKey(a => a.Id);
        area.Property(a => a.Id).ValueGeneratedNever();
        area.Property(a => a.Code).HasMaxLength(32);
        area.Property(a => a.Name).HasMaxLength(100);
        area.Property(a => a.Level).HasConversion(Wire.Converter<AreaLevel>()).HasMaxLength(16);
        area.HasIndex(a => new { a.CountyId, a.Code }).IsUnique().HasDatabaseName("ux_areas_code");
        area.HasIndex(a => a.ParentId);
        area.HasOne<Area>().WithMany().HasForeignKey(a => a.ParentId).OnDelete(DeleteBehavior.Restrict);
        area.Ignore(a => a.IsActive);
    }
}
