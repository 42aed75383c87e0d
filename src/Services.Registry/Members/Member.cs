using Platform.ServiceDefaults.Http;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Organisations;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Members;

/// <summary>
/// A serving party member or cadre (在职党员干部): works in a unit organisation, lives in a community
/// (and grid), where they report (报到) and serve. What they can do (skills), want to do
/// (intentions) and when (availability) is what Dispatch matches requests against.
/// </summary>
public sealed class Member : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    /// <summary>The county's number for the member (党员编号 or staff number); unique in the county (the import's natural key).</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    /// <summary>Stored in full; list responses show it masked (138****5678).</summary>
    public required string Phone { get; set; }

    /// <summary>The unit organisation the member works in; null once they left it without a new one.</summary>
    public Guid? UnitId { get; set; }

    /// <summary>The community or village of residence.</summary>
    public Guid CommunityId { get; set; }

    /// <summary>The grid (or compound) of residence, when known.</summary>
    public Guid? GridId { get; set; }

    public List<string> Skills { get; set; } = [];

    /// <summary>Service intentions (服务意向): the kinds of service the member offers.</summary>
    public List<string> Intentions { get; set; } = [];

    public List<AvailabilityWindow> Availability { get; set; } = [];

    /// <summary>党员示范户</summary>
    public bool DemonstrationHousehold { get; set; }

    /// <summary>The member's part in the grid's "1+1" (一名报到党员 + 一名无职党员), if any.</summary>
    public GridRole? GridRole { get; set; }

    public MemberStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LeftAt { get; set; }

    public int Version { get; set; }
}

public enum GridRole
{
    /// <summary>报到党员 (the grid's reporting member)</summary>
    Reporting,
    /// <summary>无职党员 (the grid's member without post)</summary>
    WithoutPost,
}

public enum MemberStatus
{
    Active,
    /// <summary>Left the county's roll (transferred out, retired); kept for the record.</summary>
    Left,
}


internal sealed class MemberConfiguration : IEntityTypeConfiguration<Member>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Member> member)
    {
        member.ToTable("members");
        member.HasKey(m => m.Id);
        member.Property(m => m.Id).ValueGeneratedNever();
        member.Property(m => m.Code).HasMaxLength(32);
        member.Property(m => m.Name).HasMaxLength(50);
        member.Property(m => m.Phone).HasMaxLength(20);
        member.Property(m => m.Skills).HasColumnType("text[]");
        member.Property(m => m.Intentions).HasColumnType("text[]");
        member.Property(m => m.Availability)
            .HasColumnType("jsonb")
            .HasConversion(
                windows => JsonSerializer.Serialize(windows, Json),
                json => JsonSerializer.Deserialize<List<AvailabilityWindow>>(json, Json) ?? new List<AvailabilityWindow>(),
                new ValueComparer<List<AvailabilityWindow>>(
                    (a, b) => a!.SequenceEqual(b!),
                    windows => windows.Aggregate(0, (hash, window) => HashCode.Combine(hash, window.GetHashCode())),
                    windows => windows.ToList()));
        member.Property(m => m.GridRole).HasConversion(Wire.Converter<GridRole>()).HasMaxLength(16);
        member.Property(m => m.Status).HasConversion(Wire.Converter<MemberStatus>()).HasMaxLength(16);
        member.HasIndex(m => new { m.CountyId, m.Code }).IsUnique().HasDatabaseName("ux_members_code");
        member.HasIndex(m => m.UnitId);
        member.HasIndex(m => m.CommunityId);
        member.HasIndex(m => m.GridId);
        // "1+1" held by the database too: two members saved at the same moment cannot both take a grid's role.
        member.HasIndex(m => new { m.GridId, m.GridRole }).IsUnique()
            .HasFilter("grid_role IS NOT NULL AND status = 'active'").HasDatabaseName("ux_members_grid_role");
        member.HasOne<Organisation>().WithMany().HasForeignKey(m => m.UnitId).OnDelete(DeleteBehavior.Restrict);
        member.HasOne<Area>().WithMany().HasForeignKey(m => m.CommunityId).OnDelete(DeleteBehavior.Restrict);
        member.HasOne<Area>().WithMany().HasForeignKey(m => m.GridId).OnDelete(DeleteBehavior.Restrict);
    }
}
