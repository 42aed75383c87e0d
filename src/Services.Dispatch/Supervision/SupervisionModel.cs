using Platform.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Dispatch.Requests;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Supervision;

/// <summary>The levels a request climbs (吹哨报到): from the grid it starts in, up to the county.</summary>
public static class EscalationLevels
{
    public const string None = "none";
    public const string Community = "community";
    public const string Street = "street";
    public const string County = "county";

    private static readonly string[] Order = [None, Community, Street, County];

    public static IReadOnlyList<string> Chain => Order;

    /// <summary>The level above, or null at the county (the top).</summary>
    public static string? Next(string level) => Array.IndexOf(Order, level) is var i and >= 0 && i + 1 < Order.Length ? Order[i + 1] : null;

    /// <summary>
    /// Whether a person acting in <paramref name="role"/> answers for <paramref name="level"/>: a community's
    /// officer for the community, a street's for the community and the street, the county for every level.
    /// </summary>
    public static bool Answers(string role, string level) => role switch
    {
        PlatformRoles.CountyAdmin => true,
        PlatformRoles.StreetOfficer => level is Community or Street,
        PlatformRoles.CommunityOfficer => level is Community,
        _ => false,
    };
}

/// <summary>One step of a request's escalation: the level now responsible and the limit it has to respond.</summary>
public sealed class Escalation : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid RequestId { get; init; }

    /// <summary>community, street or county.</summary>
    public required string Level { get; init; }

    /// <summary>The community or street responsible; null at the county.</summary>
    public Guid? AreaId { get; init; }

    /// <summary>response_overdue, completion_overdue, complex, unanswered or manual.</summary>
    public required string Reason { get; init; }

    public string? Note { get; init; }

    public DateTimeOffset OpenedAt { get; init; }

    public DateTimeOffset RespondBy { get; init; }

    /// <summary>open, acknowledged, superseded (it climbed further) or closed (the request was finished).</summary>
    public string Status { get; set; } = "open";

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    public string? Response { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }
}

/// <summary>
/// A whistle (吹哨): a community or street calls a unit or department to a matter; the unit must
/// acknowledge (报到) and report what it did, each within its limit.
/// </summary>
public sealed class Whistle : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid? RequestId { get; init; }

    /// <summary>community or street: who blew it.</summary>
    public required string Level { get; init; }

    public Guid AreaId { get; init; }

    public Guid UnitId { get; init; }

    public required string Matter { get; init; }

    public string? BlownBy { get; init; }

    public DateTimeOffset BlownAt { get; init; }

    public DateTimeOffset AcknowledgeBy { get; init; }

    public DateTimeOffset ReportBy { get; init; }

    /// <summary>blown, acknowledged or reported.</summary>
    public string Status { get; set; } = "blown";

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    public DateTimeOffset? ReportedAt { get; set; }

    public string? Report { get; set; }

    public List<string> ReportEvidence { get; set; } = [];

    public DateTimeOffset? AcknowledgeOverdueAt { get; set; }

    public DateTimeOffset? ReportOverdueAt { get; set; }

    public int Version { get; set; }
}

/// <summary>
/// A durable deadline: the scheduler acts on it once it is due, whichever instance sees it first,
/// even if the service was down when it fell due. Not tenant-scoped (the scheduler reads every
/// county's, like the outbox relay); acting on one sets that county first.
/// </summary>
public sealed class SupervisionTimer
{
    public long Id { get; init; }

    public Guid CountyId { get; init; }

    /// <summary>The request, escalation or whistle it concerns.</summary>
    public Guid SubjectId { get; init; }

    public required string Kind { get; init; }

    public DateTimeOffset DueAt { get; init; }
}

/// <summary>What the timers are for; each handler checks the subject still needs it when it fires.</summary>
public static class TimerKinds
{
    public const string ResponseReminder = "response_reminder";
    public const string ResponseDue = "response_due";
    public const string CompletionReminder = "completion_reminder";
    public const string CompletionDue = "completion_due";
    public const string ClaimStart = "claim_start";
    public const string EscalationDue = "escalation_due";
    public const string WhistleAcknowledgeDue = "whistle_acknowledge_due";
    public const string WhistleReportDue = "whistle_report_due";
}

internal sealed class SupervisionConfiguration :
    IEntityTypeConfiguration<Escalation>, IEntityTypeConfiguration<Whistle>, IEntityTypeConfiguration<SupervisionTimer>
{
    public void Configure(EntityTypeBuilder<Escalation> escalation)
    {
        escalation.ToTable("escalations");
        escalation.HasKey(e => e.Id);
        escalation.Property(e => e.Id).ValueGeneratedNever();
        escalation.Property(e => e.Level).HasMaxLength(16);
        escalation.Property(e => e.Reason).HasMaxLength(24);
        escalation.Property(e => e.Note).HasMaxLength(500);
        escalation.Property(e => e.Status).HasMaxLength(16);
        escalation.Property(e => e.AcknowledgedBy).HasMaxLength(50);
        escalation.Property(e => e.Response).HasMaxLength(1000);
        escalation.HasIndex(e => new { e.RequestId, e.OpenedAt });
        escalation.HasIndex(e => new { e.Status, e.Level });
        escalation.HasOne<ServiceRequest>().WithMany().HasForeignKey(e => e.RequestId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<Whistle> whistle)
    {
        whistle.ToTable("whistles");
        whistle.HasKey(w => w.Id);
        whistle.Property(w => w.Id).ValueGeneratedNever();
        whistle.Property(w => w.Level).HasMaxLength(16);
        whistle.Property(w => w.Matter).HasMaxLength(1000);
        whistle.Property(w => w.BlownBy).HasMaxLength(50);
        whistle.Property(w => w.Status).HasMaxLength(16);
        whistle.Property(w => w.AcknowledgedBy).HasMaxLength(50);
        whistle.Property(w => w.Report).HasMaxLength(2000);
        whistle.Property(w => w.ReportEvidence).HasColumnType("text[]");
        whistle.HasIndex(w => new { w.UnitId, w.Status });
        whistle.HasIndex(w => w.AreaId);
        whistle.HasOne<ServiceRequest>().WithMany().HasForeignKey(w => w.RequestId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<SupervisionTimer> timer)
    {
        timer.ToTable("supervision_timers");
        timer.HasKey(t => t.Id);
        timer.Property(t => t.Id).UseIdentityAlwaysColumn();
        timer.Property(t => t.Kind).HasMaxLength(32);
        timer.HasIndex(t => t.DueAt).HasDatabaseName("ix_supervision_timers_due_at");
        timer.HasIndex(t => t.SubjectId);
    }
}

/// <summary>Supervision's settings (section <c>Supervision</c>).</summary>
public sealed class SupervisionOptions
{
    /// <summary>How often the scheduler looks for due timers.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The share of a deadline's window left when the reminder goes out (and the request counts as at risk).</summary>
    public double ReminderShare { get; set; } = 0.2;

    /// <summary>Hours each level has to respond to an escalation before it climbs again.</summary>
    public int CommunityResponseHours { get; set; } = 8;

    public int StreetResponseHours { get; set; } = 24;

    public int CountyResponseHours { get; set; } = 48;

    /// <summary>Default limits of a whistle: acknowledge (报到) and report.</summary>
    public int WhistleAcknowledgeHours { get; set; } = 2;

    public int WhistleReportHours { get; set; } = 24;

    public int ResponseHours(string level) => level switch
    {
        EscalationLevels.Community => CommunityResponseHours,
        EscalationLevels.Street => StreetResponseHours,
        _ => CountyResponseHours,
    };
}
