using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Requests;

/// <summary>
/// A resident's request (诉求) on its way round the closed loop: placed (点单), triaged and dispatched
/// (派单), claimed or accepted (接单), worked on under supervision (监单), completed and rated at the
/// return visit (评单). See <see cref="RequestStatus"/> for the states and what moves between them.
/// </summary>
public sealed class ServiceRequest : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Category { get; set; }

    public required string Description { get; set; }

    /// <summary>Skills the work needs, when the dispatcher names them (else the category's).</summary>
    public List<string> Skills { get; set; } = [];

    public Guid CommunityId { get; init; }

    public Guid? GridId { get; init; }

    /// <summary>The street or township above the community, for supervision and escalation.</summary>
    public Guid? StreetId { get; init; }

    public string? Address { get; init; }

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    public string? ResidentName { get; init; }

    /// <summary>Stored in full for the return visit; lists show it masked.</summary>
    public string? ResidentPhone { get; init; }

    /// <summary>resident_app, member_visit, hotline, on_site or open311.</summary>
    public required string Channel { get; init; }

    /// <summary>The member who placed it on the resident's behalf after a home visit (入户走访).</summary>
    public Guid? PlacedByMemberId { get; init; }

    public List<string> Attachments { get; init; } = [];

    /// <summary>A micro-wish (微心愿): a small personal need shown on the wish wall for members to adopt.</summary>
    public bool IsMicroWish { get; init; }

    public string Status { get; set; } = RequestStatus.Placed;

    public string? Tier { get; set; }

    /// <summary>member, unit, pool or answered, once dispatched.</summary>
    public string? DispatchMode { get; set; }

    /// <summary>Whether several members may claim it together (a team request).</summary>
    public bool Joint { get; set; }

    public int MaxClaimants { get; set; } = 1;

    /// <summary>The member it was dispatched to by name.</summary>
    public Guid? AssigneeMemberId { get; set; }

    /// <summary>The unit organisation it was dispatched to, or the unit of the member who holds it.</summary>
    public Guid? AssigneeUnitId { get; set; }

    public DateTimeOffset PlacedAt { get; init; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public DateTimeOffset? ResponseDueAt { get; set; }

    public DateTimeOffset? CompletionDueAt { get; set; }

    public DateTimeOffset? RespondedAt { get; set; }

    /// <summary>When a claim from the pool returns to the pool unless work has started.</summary>
    public DateTimeOffset? ClaimStartDueAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? Result { get; set; }

    public List<string> ResultEvidence { get; set; } = [];

    public DateTimeOffset? ClosedAt { get; set; }

    public string? Satisfaction { get; set; }

    public bool? Resolved { get; set; }

    public DateTimeOffset? RatedAt { get; set; }

    public int ReopenCount { get; set; }

    public DateTimeOffset? CancelledAt { get; set; }

    public Guid? DuplicateOf { get; set; }

    /// <summary>From when the request counts as at risk of missing its response deadline (the reminder goes out then).</summary>
    public DateTimeOffset? ResponseWarnAt { get; set; }

    /// <summary>From when it counts as at risk of missing its completion deadline.</summary>
    public DateTimeOffset? CompletionWarnAt { get; set; }

    /// <summary>When the window of the completion deadline began, if not at placing: its last reopening.</summary>
    public DateTimeOffset? CompletionCountsFrom { get; set; }

    public DateTimeOffset? ResponseRemindedAt { get; set; }

    public DateTimeOffset? CompletionRemindedAt { get; set; }

    public DateTimeOffset? ResponseOverdueAt { get; set; }

    public DateTimeOffset? CompletionOverdueAt { get; set; }

    /// <summary>none, community, street or county.</summary>
    public string EscalationLevel { get; set; } = Supervision.EscalationLevels.None;

    public int Version { get; set; }

    public bool IsOpen => RequestStatus.IsOpen(Status);
}

/// <summary>A member holding a request: one for an ordinary claim, several for a joint (team) claim.</summary>
public sealed class RequestClaimant : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid RequestId { get; init; }

    public Guid MemberId { get; init; }

    public Guid? UnitId { get; init; }

    public DateTimeOffset ClaimedAt { get; init; }

    public DateTimeOffset? ReleasedAt { get; set; }

    /// <summary>handed_back, declined, claim_expired or reassigned.</summary>
    public string? ReleaseReason { get; set; }
}

/// <summary>One line of a request's history: who did what, when, from which channel.</summary>
public sealed class RequestHistoryEntry : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid RequestId { get; init; }

    /// <summary>The line's place in the request's history: the request's version × 100 plus its order within that change.</summary>
    public int Sequence { get; init; }

    public DateTimeOffset At { get; init; }

    public required string Action { get; init; }

    public string? FromStatus { get; init; }

    public required string ToStatus { get; init; }

    public required string ActorRole { get; init; }

    public string? ActorId { get; init; }

    public string? ActorName { get; init; }

    public required string Channel { get; init; }

    public string? Note { get; init; }

    public List<string> Evidence { get; init; } = [];
}

/// <summary>A request to move the completion deadline, asked before it passes and decided by the community.</summary>
public sealed class RequestExtension : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid RequestId { get; init; }

    public DateTimeOffset RequestedAt { get; init; }

    public Guid? RequestedByMemberId { get; init; }

    public required string Reason { get; init; }

    public DateTimeOffset CurrentDueAt { get; init; }

    public DateTimeOffset ProposedDueAt { get; init; }

    /// <summary>pending, approved, rejected or withdrawn (the request was completed first).</summary>
    public string Status { get; set; } = "pending";

    public DateTimeOffset? DecidedAt { get; set; }

    public string? DecisionNote { get; set; }
}

/// <summary>A county's request categories; without rows of its own a county uses <see cref="RequestCategories.Defaults"/>.</summary>
public sealed class RequestCategory : ITenantScoped
{
    public Guid CountyId { get; set; }

    public required string Code { get; init; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary>Skills that fit the category, for matching.</summary>
    public List<string> Skills { get; set; } = [];

    public int SortOrder { get; set; }

    /// <summary>The version of the county's set of categories this row was written with (every row of a set has the same); its ETag.</summary>
    public int Version { get; set; }
}

internal sealed class RequestConfiguration :
    IEntityTypeConfiguration<ServiceRequest>, IEntityTypeConfiguration<RequestClaimant>, IEntityTypeConfiguration<RequestHistoryEntry>,
    IEntityTypeConfiguration<RequestExtension>, IEntityTypeConfiguration<RequestCategory>
{
    public void Configure(EntityTypeBuilder<ServiceRequest> request)
    {
        request.ToTable("requests");
        request.HasKey(r => r.Id);
        request.Property(r => r.Id).ValueGeneratedNever();
        request.Property(r => r.Category).HasMaxLength(32);
        request.Property(r => r.Description).HasMaxLength(2000);
        request.Property(r => r.Skills).HasColumnType("text[]");
        request.Property(r => r.Address).HasMaxLength(200);
        request.Property(r => r.ResidentName).HasMaxLength(50);
        request.Property(r => r.ResidentPhone).HasMaxLength(20);
        request.Property(r => r.Channel).HasMaxLength(16);
        request.Property(r => r.Attachments).HasColumnType("text[]");
        request.Property(r => r.Status).HasMaxLength(16);
        request.Property(r => r.Tier).HasMaxLength(16);
        request.Property(r => r.DispatchMode).HasMaxLength(16);
        request.Property(r => r.Result).HasMaxLength(2000);
        request.Property(r => r.ResultEvidence).HasColumnType("text[]");
        request.Property(r => r.Satisfaction).HasMaxLength(24);
        request.Property(r => r.EscalationLevel).HasMaxLength(16);
        request.Ignore(r => r.IsOpen);
        request.HasIndex(r => new { r.CommunityId, r.Status });
        // The county's requests by status, newest first (also every county-wide read).
        request.HasIndex(r => new { r.CountyId, r.Status, r.PlacedAt });
        // Possible duplicates at placing: the newest requests of one category in the grid, or in the
        // community for a request placed without a grid.
        request.HasIndex(r => new { r.CommunityId, r.Category, r.PlacedAt }).IsDescending(false, false, true);
        request.HasIndex(r => new { r.GridId, r.Category, r.PlacedAt }).IsDescending(false, false, true);
        // Most requests go to the pool and name no member (or no unit): those rows stay out of these.
        request.HasIndex(r => r.AssigneeMemberId).HasFilter("assignee_member_id IS NOT NULL");
        request.HasIndex(r => r.AssigneeUnitId).HasFilter("assignee_unit_id IS NOT NULL");
    }

    public void Configure(EntityTypeBuilder<RequestClaimant> claimant)
    {
        claimant.ToTable("request_claimants");
        claimant.HasKey(c => c.Id);
        claimant.Property(c => c.Id).ValueGeneratedNever();
        claimant.Property(c => c.ReleaseReason).HasMaxLength(16);
        claimant.HasIndex(c => new { c.RequestId, c.MemberId }).IsUnique().HasFilter("released_at IS NULL").HasDatabaseName("ux_request_claimants_open");
        claimant.HasIndex(c => c.MemberId);
        claimant.HasOne<ServiceRequest>().WithMany().HasForeignKey(c => c.RequestId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<RequestHistoryEntry> entry)
    {
        entry.ToTable("request_history");
        entry.IsReadThroughOwner();
        entry.HasKey(e => e.Id);
        entry.Property(e => e.Id).ValueGeneratedNever();
        entry.Property(e => e.Action).HasMaxLength(32);
        entry.Property(e => e.FromStatus).HasMaxLength(16);
        entry.Property(e => e.ToStatus).HasMaxLength(16);
        entry.Property(e => e.ActorRole).HasMaxLength(32);
        entry.Property(e => e.ActorId).HasMaxLength(64);
        entry.Property(e => e.ActorName).HasMaxLength(50);
        entry.Property(e => e.Channel).HasMaxLength(16);
        entry.Property(e => e.Note).HasMaxLength(2000);
        entry.Property(e => e.Evidence).HasColumnType("text[]");
        entry.HasIndex(e => new { e.RequestId, e.Sequence }).IsUnique();
        entry.HasOne<ServiceRequest>().WithMany().HasForeignKey(e => e.RequestId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<RequestExtension> extension)
    {
        extension.ToTable("request_extensions");
        extension.HasKey(e => e.Id);
        extension.Property(e => e.Id).ValueGeneratedNever();
        extension.Property(e => e.Reason).HasMaxLength(500);
        extension.Property(e => e.Status).HasMaxLength(16);
        extension.Property(e => e.DecisionNote).HasMaxLength(500);
        // At most one pending extension per request.
        extension.HasIndex(e => e.RequestId).IsUnique().HasFilter("status = 'pending'").HasDatabaseName("ux_request_extensions_pending");
        extension.HasOne<ServiceRequest>().WithMany().HasForeignKey(e => e.RequestId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<RequestCategory> category)
    {
        category.ToTable("request_categories");
        category.HasKey(c => new { c.CountyId, c.Code });
        category.Property(c => c.Code).HasMaxLength(32);
        category.Property(c => c.Name).HasMaxLength(50);
        category.Property(c => c.Description).HasMaxLength(200);
        category.Property(c => c.Skills).HasColumnType("text[]");
    }
}
