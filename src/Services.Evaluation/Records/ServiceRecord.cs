using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Records;

/// <summary>
/// One line of the service record (全程纪实) of a member or a unit organisation: something that
/// happened (a request handled, a rating, an attendance, service time, an escalation ...), the event
/// it came from and, when it earns or costs points, the rule that priced it. Lines are never edited:
/// a correction is a new line.
/// </summary>
public sealed class ServiceRecord : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    /// <summary>member or unit.</summary>
    public required string SubjectKind { get; init; }

    public Guid SubjectId { get; init; }

    /// <summary>What happened: request_completed, request_rated, activity_attended, service_time, correction ... (docs/evaluation/README.md).</summary>
    public required string Kind { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>The month (yyyy-MM, county time) the line counts in: the month it occurred, or the first open month after it when that one was closed.</summary>
    public required string Month { get; init; }

    /// <summary>Arrived after the month it occurred in was closed, so it counts in <see cref="Month"/> instead.</summary>
    public bool Late { get; init; }

    /// <summary>The member's unit organisation (for a unit's line, the unit itself).</summary>
    public Guid? UnitId { get; init; }

    /// <summary>Where the service happened: the request's or the activity's community.</summary>
    public Guid? CommunityId { get; init; }

    public Guid? GridId { get; init; }

    public Guid? RequestId { get; init; }

    public Guid? ActivityId { get; init; }

    /// <summary>The event's type (RequestCompleted ...), or correction.</summary>
    public required string SourceEvent { get; init; }

    /// <summary>Identifies the source event whatever message carried it (e.g. request id:version): a second copy adds nothing.</summary>
    public required string SourceKey { get; init; }

    public Guid? SourceMessageId { get; init; }

    /// <summary>The points rule that priced the line (its code in the county's settings), when one applies.</summary>
    public string? RuleCode { get; init; }

    /// <summary>The version of the county's settings in effect when the line occurred (the rule's version).</summary>
    public int? SettingsVersion { get; init; }

    /// <summary>Points before the rule's cap per period (a negative number is a deduction).</summary>
    public decimal Points { get; init; }

    /// <summary>The rule's cap per period in that settings version, if any.</summary>
    public decimal? Cap { get; init; }

    public int ServiceMinutes { get; init; }

    /// <summary>A short qualifier: the tier, the satisfaction, the reason, the deadline.</summary>
    public string? Detail { get; init; }

    /// <summary>For a correction: the line it corrects.</summary>
    public Guid? CorrectsId { get; init; }

    /// <summary>For a correction: the officer who entered it.</summary>
    public string? RecordedBy { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>
/// The stored points of a member in a month under one rule and settings version: the sum of the
/// ledger's lines and that sum held within the rule's cap. Kept as lines arrive; rebuilding it from
/// the ledger gives the same figures (GET …/periods/{period}/verification).
/// </summary>
public sealed class PointsTally : ITenantScoped
{
    public Guid CountyId { get; set; }

    public Guid MemberId { get; init; }

    public required string Month { get; init; }

    public required string RuleCode { get; init; }

    /// <summary>0 for corrections, which no settings version prices.</summary>
    public int SettingsVersion { get; init; }

    public decimal Points { get; set; }

    public decimal? Cap { get; set; }

    public decimal Capped { get; set; }

    public int Entries { get; set; }
}

/// <summary>
/// A request event as Evaluation received it: the request's facts after the transition plus what the
/// event adds (satisfaction, resolved, on time, deadline). The three rates are computed from these.
/// </summary>
public sealed class RequestEvent : ITenantScoped
{
    /// <summary>Arrival order (a sequence): a closed period's figures are those of the events received before it closed.</summary>
    public long Seq { get; init; }

    public Guid CountyId { get; set; }

    public Guid RequestId { get; init; }

    public int Version { get; init; }

    /// <summary>placed, dispatched, claimed, released, completed, rated, reopened, overdue, escalated, extended or cancelled.</summary>
    public required string EventType { get; init; }

    public required string SourceKey { get; init; }

    public Guid? SourceMessageId { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    public required string Status { get; init; }

    public string? Tier { get; init; }

    public required string Category { get; init; }

    public bool IsMicroWish { get; init; }

    public Guid CommunityId { get; init; }

    public Guid? StreetId { get; init; }

    public Guid? GridId { get; init; }

    public Guid? UnitId { get; init; }

    public List<Guid> MemberIds { get; init; } = [];

    public DateTimeOffset PlacedAt { get; init; }

    public DateTimeOffset? ResponseDueAt { get; init; }

    public DateTimeOffset? RespondedAt { get; init; }

    public DateTimeOffset? CompletionDueAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public int ReopenCount { get; init; }

    public string? Satisfaction { get; init; }

    public bool? Resolved { get; init; }

    public bool? OnTime { get; init; }

    public string? Detail { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

internal sealed class RecordsConfiguration : IEntityTypeConfiguration<ServiceRecord>, IEntityTypeConfiguration<PointsTally>, IEntityTypeConfiguration<RequestEvent>
{
    public void Configure(EntityTypeBuilder<ServiceRecord> record)
    {
        record.ToTable("service_records");
        record.HasKey(r => r.Id);
        record.Property(r => r.SubjectKind).HasMaxLength(8);
        record.Property(r => r.Kind).HasMaxLength(40);
        record.Property(r => r.Month).HasMaxLength(7);
        record.Property(r => r.SourceEvent).HasMaxLength(40);
        record.Property(r => r.SourceKey).HasMaxLength(120);
        record.Property(r => r.RuleCode).HasMaxLength(50);
        record.Property(r => r.Points).HasPrecision(12, 2);
        record.Property(r => r.Cap).HasPrecision(12, 2);
        record.Property(r => r.Detail).HasMaxLength(200);
        record.Property(r => r.RecordedBy).HasMaxLength(100);
        record.HasIndex(r => new { r.SourceKey, r.SubjectKind, r.SubjectId, r.Kind }).IsUnique().HasDatabaseName("ux_service_records_source");
        record.HasIndex(r => new { r.CountyId, r.Month }).HasDatabaseName("ix_service_records_month");
        record.HasIndex(r => new { r.CountyId, r.OccurredAt }).HasDatabaseName("ix_service_records_occurred_at");
        record.HasIndex(r => new { r.SubjectId, r.OccurredAt }).HasDatabaseName("ix_service_records_subject");
    }

    public void Configure(EntityTypeBuilder<PointsTally> tally)
    {
        tally.ToTable("points_tallies");
        tally.HasKey(t => new { t.CountyId, t.MemberId, t.Month, t.RuleCode, t.SettingsVersion });
        tally.Property(t => t.Month).HasMaxLength(7);
        tally.Property(t => t.RuleCode).HasMaxLength(50);
        tally.Property(t => t.Points).HasPrecision(12, 2);
        tally.Property(t => t.Cap).HasPrecision(12, 2);
        tally.Property(t => t.Capped).HasPrecision(12, 2);
        tally.HasIndex(t => new { t.CountyId, t.Month }).HasDatabaseName("ix_points_tallies_month");
    }

    public void Configure(EntityTypeBuilder<RequestEvent> request)
    {
        request.ToTable("request_events");
        request.HasKey(r => r.Seq);
        request.Property(r => r.Seq).UseIdentityAlwaysColumn();
        request.Property(r => r.EventType).HasMaxLength(16);
        request.Property(r => r.SourceKey).HasMaxLength(120);
        request.Property(r => r.Status).HasMaxLength(16);
        request.Property(r => r.Tier).HasMaxLength(16);
        request.Property(r => r.Category).HasMaxLength(50);
        request.Property(r => r.MemberIds).HasColumnType("uuid[]");
        request.Property(r => r.Satisfaction).HasMaxLength(24);
        request.Property(r => r.Detail).HasMaxLength(200);
        request.HasIndex(r => r.SourceKey).IsUnique().HasDatabaseName("ux_request_events_source");
        request.HasIndex(r => new { r.CountyId, r.PlacedAt }).HasDatabaseName("ix_request_events_placed_at");
    }
}
