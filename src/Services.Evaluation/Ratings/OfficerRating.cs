using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Ratings;

/// <summary>
/// A grid's, community's or street's rating (网格评、社区评、街道评 of 四评) of a member or a unit for a
/// period, on the county's officer rating scale. Entering it again adds a new rating that supersedes
/// the previous one (kept, with when it was superseded).
/// </summary>
public sealed class OfficerRating : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Period { get; init; }

    /// <summary>member or unit.</summary>
    public required string SubjectKind { get; init; }

    public Guid SubjectId { get; init; }

    /// <summary>grid, community or street.</summary>
    public required string Level { get; init; }

    public required string Grade { get; init; }

    public string? Comment { get; init; }

    public required string OfficerName { get; init; }

    public DateTimeOffset EnteredAt { get; init; }

    public DateTimeOffset? SupersededAt { get; set; }

    public Guid? SupersedesId { get; init; }
}

internal sealed class OfficerRatingConfiguration : IEntityTypeConfiguration<OfficerRating>
{
    public void Configure(EntityTypeBuilder<OfficerRating> rating)
    {
        rating.ToTable("officer_ratings");
        rating.HasKey(r => r.Id);
        rating.Property(r => r.Period).HasMaxLength(8);
        rating.Property(r => r.SubjectKind).HasMaxLength(8);
        rating.Property(r => r.Level).HasMaxLength(12);
        rating.Property(r => r.Grade).HasMaxLength(30);
        rating.Property(r => r.Comment).HasMaxLength(500);
        rating.Property(r => r.OfficerName).HasMaxLength(100);
        rating.HasIndex(r => new { r.CountyId, r.Period, r.SubjectKind, r.SubjectId, r.Level })
            .IsUnique().HasFilter("superseded_at IS NULL").HasDatabaseName("ux_officer_ratings_current");
    }
}
