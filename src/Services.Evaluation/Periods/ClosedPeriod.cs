using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Periods;

/// <summary>
/// A closed (frozen) period of a county: its figures as they stood when it closed, and the arrival
/// watermark of the request events they were computed from. A month is closed when it, its quarter or
/// its year is.
/// </summary>
public sealed class ClosedPeriod : ITenantScoped
{
    public Guid CountyId { get; set; }

    /// <summary>2026-03, 2026-Q1 or 2026.</summary>
    public required string Period { get; init; }

    /// <summary>month, quarter or year.</summary>
    public required string Kind { get; init; }

    public DateTimeOffset ClosedAt { get; init; }

    public required string ClosedBy { get; init; }

    /// <summary>The last request event received before the close (its <c>seq</c>): rebuilding the rates stops there.</summary>
    public long RequestSeq { get; init; }

    /// <summary>The frozen figures (points, rates, star ratings, coverage) as JSON.</summary>
    public required string Figures { get; init; }
}

internal sealed class ClosedPeriodConfiguration : IEntityTypeConfiguration<ClosedPeriod>
{
    public void Configure(EntityTypeBuilder<ClosedPeriod> period)
    {
        period.ToTable("closed_periods");
        period.HasKey(p => new { p.CountyId, p.Period });
        period.Property(p => p.Period).HasMaxLength(8);
        period.Property(p => p.Kind).HasMaxLength(8);
        period.Property(p => p.ClosedBy).HasMaxLength(100);
        period.Property(p => p.Figures).HasColumnType("jsonb");
    }
}
