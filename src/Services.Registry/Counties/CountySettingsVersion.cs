using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Counties;

/// <summary>
/// One version of a county's settings. Versions are never edited: a change adds the next version,
/// effective from a moment that is never in the past, so what was computed under the old rules stays
/// reproducible.
/// </summary>
public sealed class CountySettingsVersion : ITenantScoped
{
    public Guid CountyId { get; set; }

    public int Version { get; init; }

    public required CountySettings Settings { get; init; }

    public DateTimeOffset EffectiveFrom { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
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
        settings.HasOne<County>().WithMany().HasForeignKey(s => s.CountyId).OnDelete(DeleteBehavior.Cascade);
    }
}
