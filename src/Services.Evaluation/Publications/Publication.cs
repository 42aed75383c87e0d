using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Publications;

/// <summary>
/// 双亮: a publication (公示) of every member's and unit's achievements and services for a period
/// (亮实绩、亮服务), shown during its window. Its items are the figures as they stood when it was made.
/// </summary>
public sealed class Publication : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Period { get; init; }

    public required string Title { get; init; }

    public DateTimeOffset StartsAt { get; init; }

    public DateTimeOffset EndsAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One member's or unit's line of a publication.</summary>
public sealed class PublicationItem : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid PublicationId { get; init; }

    /// <summary>member or unit.</summary>
    public required string SubjectKind { get; init; }

    public Guid SubjectId { get; init; }

    public required string Code { get; init; }

    public required string Name { get; init; }

    public decimal Points { get; init; }

    public int RequestsCompleted { get; init; }

    public int Attendances { get; init; }

    public int ServiceMinutes { get; init; }

    public int SatisfiedRatings { get; init; }

    /// <summary>The officers' ratings of the period, e.g. "grid: excellent; community: good".</summary>
    public string? OfficerRatings { get; init; }
}

internal sealed class PublicationConfiguration : IEntityTypeConfiguration<Publication>, IEntityTypeConfiguration<PublicationItem>
{
    public void Configure(EntityTypeBuilder<Publication> publication)
    {
        publication.ToTable("publications");
        publication.HasKey(p => p.Id);
        publication.Property(p => p.Period).HasMaxLength(8);
        publication.Property(p => p.Title).HasMaxLength(200);
        publication.Property(p => p.CreatedBy).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<PublicationItem> item)
    {
        item.ToTable("publication_items");
        item.HasKey(i => i.Id);
        item.Property(i => i.SubjectKind).HasMaxLength(8);
        item.Property(i => i.Code).HasMaxLength(32);
        item.Property(i => i.Name).HasMaxLength(100);
        item.Property(i => i.Points).HasPrecision(12, 2);
        item.Property(i => i.OfficerRatings).HasMaxLength(300);
        item.HasIndex(i => new { i.PublicationId, i.SubjectKind, i.Code }).HasDatabaseName("ix_publication_items_publication");
        item.HasOne<Publication>().WithMany().HasForeignKey(i => i.PublicationId).OnDelete(DeleteBehavior.Cascade);
    }
}
