using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.Registry.Organisations;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Reports;

/// <summary>
/// A report (报到): a unit organisation reporting to its paired community (单位报到), or a member to
/// the community and grid of residence (个人报到). Pending until the community confirms it; a
/// withdrawn report stays as history and a new one may follow.
/// </summary>
public sealed class Report : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public ReportKind Kind { get; init; }

    /// <summary>The reporting member (member reports only).</summary>
    public Guid? MemberId { get; init; }

    /// <summary>The unit organisation; for a member report, the member's unit at the time of reporting.</summary>
    public Guid? UnitId { get; init; }

    public Guid CommunityId { get; init; }

    public Guid? GridId { get; init; }

    public ReportStatus Status { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset SubmittedAt { get; init; }

    public DateTimeOffset? ConfirmedAt { get; set; }

    public DateTimeOffset? WithdrawnAt { get; set; }

    public int Version { get; set; }
}

public enum ReportKind
{
    /// <summary>单位报到</summary>
    Unit,
    /// <summary>个人报到</summary>
    Member,
}

public enum ReportStatus
{
    Pending,
    Confirmed,
    Withdrawn,
}

internal sealed class ReportConfiguration : IEntityTypeConfiguration<Report>
{
    public void Configure(EntityTypeBuilder<Report> report)
    {
        report.ToTable("reports");
        report.HasKey(r => r.Id);
        report.Property(r => r.Id).ValueGeneratedNever();
        report.Property(r => r.Kind).HasConversion(Wire.Converter<ReportKind>()).HasMaxLength(16);
        report.Property(r => r.Status).HasConversion(Wire.Converter<ReportStatus>()).HasMaxLength(16);
        report.Property(r => r.Note).HasMaxLength(500);
        // At most one live (pending or confirmed) report per member, and per unit and community.
        report.HasIndex(r => r.MemberId).IsUnique()
            .HasFilter("kind = 'member' AND status <> 'withdrawn'").HasDatabaseName("ux_reports_live_member");
        report.HasIndex(r => new { r.UnitId, r.CommunityId }).IsUnique()
            .HasFilter("kind = 'unit' AND status <> 'withdrawn'").HasDatabaseName("ux_reports_live_unit");
        report.HasIndex(r => r.CommunityId);
        report.HasOne<Member>().WithMany().HasForeignKey(r => r.MemberId).OnDelete(DeleteBehavior.Restrict);
        report.HasOne<Organisation>().WithMany().HasForeignKey(r => r.UnitId).OnDelete(DeleteBehavior.Restrict);
        report.HasOne<Area>().WithMany().HasForeignKey(r => r.CommunityId).OnDelete(DeleteBehavior.Restrict);
        report.HasOne<Area>().WithMany().HasForeignKey(r => r.GridId).OnDelete(DeleteBehavior.Restrict);
    }
}
