using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Platform.RegistryReplica;

/// <summary>
/// The replica tables, named <c>registry_*</c> so a reader sees they are copies. No foreign keys:
/// events of different records arrive in any order.
/// </summary>
public static class ReplicaModel
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ModelBuilder ApplyRegistryReplica(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ReplicaArea>(area =>
        {
            Common(area, "registry_areas");
            area.Property(a => a.Code).HasMaxLength(32);
            area.Property(a => a.Name).HasMaxLength(100);
            area.Property(a => a.Level).HasMaxLength(16);
            area.HasIndex(a => a.ParentId);
        });
        modelBuilder.Entity<ReplicaOrganisation>(organisation =>
        {
            Common(organisation, "registry_organisations");
            organisation.Property(o => o.Code).HasMaxLength(32);
            organisation.Property(o => o.Name).HasMaxLength(100);
            organisation.Property(o => o.Kind).HasMaxLength(24);
            organisation.Ignore(o => o.IsUnit);
        });
        modelBuilder.Entity<ReplicaMember>(member =>
        {
            Common(member, "registry_members");
            member.Property(m => m.Code).HasMaxLength(32);
            member.Property(m => m.Name).HasMaxLength(50);
            member.Property(m => m.Skills).HasColumnType("text[]");
            member.Property(m => m.Intentions).HasColumnType("text[]");
            member.Property(m => m.Availability).HasColumnType("jsonb").HasConversion(JsonConverter<Contracts.Registry.AvailabilityWindow>(), ListComparer<Contracts.Registry.AvailabilityWindow>());
            member.Property(m => m.GridRole).HasMaxLength(16);
            member.Property(m => m.Status).HasMaxLength(16);
            member.HasIndex(m => m.UnitId);
            member.HasIndex(m => m.CommunityId);
            member.HasIndex(m => m.GridId);
            member.Ignore(m => m.IsActive);
        });
        modelBuilder.Entity<ReplicaPairing>(pairing =>
        {
            Common(pairing, "registry_pairings");
            pairing.Property(p => p.GridIds).HasColumnType("uuid[]");
            pairing.Property(p => p.Commitments).HasColumnType("jsonb").HasConversion(JsonConverter<Contracts.Registry.PairingCommitment>(), ListComparer<Contracts.Registry.PairingCommitment>());
            pairing.HasIndex(p => p.UnitId);
            pairing.HasIndex(p => p.CommunityId);
        });
        modelBuilder.Entity<ReplicaReport>(report =>
        {
            Common(report, "registry_reports");
            report.Property(r => r.Kind).HasMaxLength(16);
            report.Property(r => r.Status).HasMaxLength(16);
            report.HasIndex(r => r.MemberId);
            report.HasIndex(r => r.CommunityId);
        });
        modelBuilder.Entity<ReplicaVolunteerTeam>(team =>
        {
            Common(team, "registry_volunteer_teams");
            team.Property(t => t.Name).HasMaxLength(100);
            team.Property(t => t.Type).HasMaxLength(16);
            team.Property(t => t.MemberIds).HasColumnType("uuid[]");
            team.HasIndex(t => t.CommunityId);
        });
        modelBuilder.Entity<ReplicaCountySettings>(settings =>
        {
            settings.ToTable("registry_county_settings");
            settings.HasKey(s => new { s.CountyId, s.Version });
            settings.Property(s => s.Settings).HasColumnType("jsonb").HasConversion(
                value => JsonSerializer.Serialize(value, Json),
                json => JsonSerializer.Deserialize<Contracts.Registry.CountySettings>(json, Json)!);
        });
        return modelBuilder;
    }

    private static void Common<T>(EntityTypeBuilder<T> entity, string table) where T : class, IReplica
    {
        entity.ToTable(table);
        entity.HasKey(e => e.Id);
        entity.Property(e => e.Id).ValueGeneratedNever();
        // A copy moves only forward: two versions applied at once both read the same copy, and the
        // one saved second finds its version changed (a concurrency conflict, retried) instead of
        // writing an older version over a newer one.
        entity.Property(e => e.Version).IsConcurrencyToken();
    }

    private static ValueConverter<List<T>, string> JsonConverter<T>() => new(
        value => JsonSerializer.Serialize(value, Json),
        json => JsonSerializer.Deserialize<List<T>>(json, Json) ?? new List<T>());

    private static ValueComparer<List<T>> ListComparer<T>() => new(
        (a, b) => a!.SequenceEqual(b!),
        list => list.Aggregate(0, (hash, item) => HashCode.Combine(hash, item!.GetHashCode())),
        list => list.ToList());
}
