using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Counties;

/// <summary>
/// One version of a county's settings. Versions are never edited: a change adds the next version,
/// effective from a moment that is never in the past, so what was computed under the old rules stays
/// reproducible. A version scheduled for later may be withdrawn before it takes effect: it stays listed,
/// marked, and is never in effect.
/// </summary>
public sealed class CountySettingsVersion : ITenantScoped
{
    public Guid CountyId { get; set; }

    public int Version { get; init; }

    public required CountySettings Settings { get; init; }

    public DateTimeOffset EffectiveFrom { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the version was withdrawn, before it took effect; null for a version in effect or still to take effect.</summary>
    public DateTimeOffset? WithdrawnAt { get; set; }
}

internal sealed class CountySettingsVersionConfiguration : IEntityTypeConfiguration<CountySettingsVersion>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<CountySettingsVersion> settings)
    {
        settings.ToTable("county_settings");
        settings.HasKey(s => new { s.CountyId, s.Version });
        settings.Property(s => s.Settings)
            .HasColumnType("jsonb")
            .HasConversion(
                value => JsonSerializer.Serialize(value, Json),
                json => JsonSerializer.Deserialize<CountySettings>(json, Json)!);
        // A withdrawal is written only over a version not withdrawn yet: of two at once, one wins.
        settings.Property(s => s.WithdrawnAt).IsConcurrencyToken();
        settings.HasOne<County>().WithMany().HasForeignKey(s => s.CountyId).OnDelete(DeleteBehavior.Cascade);
    }
}
