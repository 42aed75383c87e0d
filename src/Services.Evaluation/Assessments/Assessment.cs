using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Assessments;

/// <summary>
/// A three-stage assessment of a member or a unit for a quarter or a year: the grid's initial
/// assessment (初评), the community's review (复评), the street's final decision (终评); each stage may
/// return it to the one before with a reason; once published the result is locked.
/// </summary>
public sealed class Assessment : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Period { get; init; }

    /// <summary>member or unit.</summary>
    public required string SubjectKind { get; init; }

    public Guid SubjectId { get; init; }

    public required string SubjectName { get; init; }

    /// <summary>See <see cref="AssessmentStatus"/>.</summary>
    public string Status { get; set; } = AssessmentStatus.AwaitingInitial;

    public string? InitialGrade { get; set; }

    public string? ReviewGrade { get; set; }

    public string? FinalGrade { get; set; }

    /// <summary>The evidence summary (points, ratings, attendance, the three rates) as JSON, refreshed at every stage.</summary>
    public required string Evidence { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? PublishedAt { get; set; }

    public int Version { get; set; }
}

/// <summary>One step of an assessment's history: a stage's decision, a return, the publication.</summary>
public sealed class AssessmentStep : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid AssessmentId { get; init; }

    public int Sequence { get; init; }

    /// <summary>create, initial, review, final, return or publish.</summary>
    public required string Action { get; init; }

    public required string FromStatus { get; init; }

    public required string ToStatus { get; init; }

    public string? Grade { get; init; }

    public string? Reason { get; init; }

    public required string OfficerName { get; init; }

    /// <summary>grid, community, street or county.</summary>
    public required string OfficerLevel { get; init; }

    public DateTimeOffset At { get; init; }
}

/// <summary>The states of an assessment and the commands that move it.</summary>
public static class AssessmentStatus
{
    public const string AwaitingInitial = "awaiting_initial";
    public const string AwaitingReview = "awaiting_review";
    public const string AwaitingFinal = "awaiting_final";
    public const string Decided = "decided";
    public const string Published = "published";

    public static readonly IReadOnlyList<string> All = [AwaitingInitial, AwaitingReview, AwaitingFinal, Decided, Published];
}

internal sealed class AssessmentConfiguration : IEntityTypeConfiguration<Assessment>, IEntityTypeConfiguration<AssessmentStep>
{
    public void Configure(EntityTypeBuilder<Assessment> assessment)
    {
        assessment.ToTable("assessments");
        assessment.HasKey(a => a.Id);
        assessment.Property(a => a.Period).HasMaxLength(8);
        assessment.Property(a => a.SubjectKind).HasMaxLength(8);
        assessment.Property(a => a.SubjectName).HasMaxLength(100);
        assessment.Property(a => a.Status).HasMaxLength(20);
        assessment.Property(a => a.InitialGrade).HasMaxLength(30);
        assessment.Property(a => a.ReviewGrade).HasMaxLength(30);
        assessment.Property(a => a.FinalGrade).HasMaxLength(30);
        assessment.Property(a => a.Evidence).HasColumnType("jsonb");
        assessment.HasIndex(a => new { a.CountyId, a.Period, a.SubjectKind, a.SubjectId }).IsUnique().HasDatabaseName("ux_assessments_subject");
    }

    public void Configure(EntityTypeBuilder<AssessmentStep> step)
    {
        step.ToTable("assessment_steps");
        step.HasKey(s => s.Id);
        step.Property(s => s.Action).HasMaxLength(12);
        step.Property(s => s.FromStatus).HasMaxLength(20);
        step.Property(s => s.ToStatus).HasMaxLength(20);
        step.Property(s => s.Grade).HasMaxLength(30);
        step.Property(s => s.Reason).HasMaxLength(500);
        step.Property(s => s.OfficerName).HasMaxLength(100);
        step.Property(s => s.OfficerLevel).HasMaxLength(12);
        step.HasIndex(s => new { s.AssessmentId, s.Sequence }).IsUnique().HasDatabaseName("ux_assessment_steps_sequence");
        step.HasOne<Assessment>().WithMany().HasForeignKey(s => s.AssessmentId).OnDelete(DeleteBehavior.Cascade);
    }
}
