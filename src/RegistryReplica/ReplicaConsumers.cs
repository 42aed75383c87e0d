using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.RegistryReplica;

/// <summary>Upserts one replica from one Registry event, through the inbox; an older version than the copy's is ignored.</summary>
public abstract class ReplicaConsumer<TMessage, TReplica, TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger logger)
    : InboxConsumer<TMessage, TContext>(db, tenant, clock, logger)
    where TMessage : class
    where TReplica : class, IReplica
    where TContext : ServiceDbContext
{
    protected override string ConsumerName => "registry-replica:" + typeof(TReplica).Name;

    protected abstract Guid IdOf(TMessage message);

    protected abstract int VersionOf(TMessage message);

    protected abstract TReplica Create(TMessage message);

    protected abstract void Apply(TMessage message, TReplica replica);

    protected override async Task HandleAsync(TMessage message, ConsumeContext<TMessage> context)
    {
        var id = IdOf(message);
        var existing = await Db.Set<TReplica>().FirstOrDefaultAsync(r => r.Id == id, context.CancellationToken);
        if (existing is null)
        {
            var replica = Create(message);
            Apply(message, replica);
            replica.Version = VersionOf(message);
            Db.Add(replica);
        }
        else if (VersionOf(message) > existing.Version)
        {
            Apply(message, existing);
            existing.Version = VersionOf(message);
        }
    }
}

public sealed class AreaReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger<AreaReplicaConsumer<TContext>> logger)
    : ReplicaConsumer<AreaChanged, ReplicaArea, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override Guid IdOf(AreaChanged message) => message.AreaId;
    protected override int VersionOf(AreaChanged message) => message.Version;
    protected override ReplicaArea Create(AreaChanged message) => new() { Id = message.AreaId, CountyId = message.CountyId };

    protected override void Apply(AreaChanged message, ReplicaArea area)
    {
        area.Code = message.Code;
        area.Name = message.Name;
        area.Level = message.Level;
        area.ParentId = message.ParentId;
        area.RetiredAt = message.RetiredAt;
    }
}

public sealed class OrganisationReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger<OrganisationReplicaConsumer<TContext>> logger)
    : ReplicaConsumer<OrganisationChanged, ReplicaOrganisation, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override Guid IdOf(OrganisationChanged message) => message.OrganisationId;
    protected override int VersionOf(OrganisationChanged message) => message.Version;
    protected override ReplicaOrganisation Create(OrganisationChanged message) => new() { Id = message.OrganisationId, CountyId = message.CountyId };

    protected override void Apply(OrganisationChanged message, ReplicaOrganisation organisation)
    {
        organisation.Code = message.Code;
        organisation.Name = message.Name;
        organisation.Kind = message.Kind;
        organisation.AreaId = message.AreaId;
        organisation.RetiredAt = message.RetiredAt;
    }
}

public sealed class MemberReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger<MemberReplicaConsumer<TContext>> logger)
    : ReplicaConsumer<MemberChanged, ReplicaMember, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override Guid IdOf(MemberChanged message) => message.MemberId;
    protected override int VersionOf(MemberChanged message) => message.Version;
    protected override ReplicaMember Create(MemberChanged message) => new() { Id = message.MemberId, CountyId = message.CountyId };

    protected override void Apply(MemberChanged message, ReplicaMember member)
    {
        member.Code = message.Code;
        member.Name = message.Name;
        member.UnitId = message.UnitId;
        member.CommunityId = message.CommunityId;
        member.GridId = message.GridId;
        member.Skills = [.. message.Skills];
        member.Intentions = [.. message.Intentions];
        member.Availability = [.. message.Availability];
        member.DemonstrationHousehold = message.DemonstrationHousehold;
        member.GridRole = message.GridRole;
        member.Status = message.Status;
        member.JoinedAt = message.JoinedAt ?? member.JoinedAt;
        member.LeftAt = message.LeftAt;
    }
}

public sealed class PairingReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger<PairingReplicaConsumer<TContext>> logger)
    : ReplicaConsumer<PairingChanged, ReplicaPairing, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override Guid IdOf(PairingChanged message) => message.PairingId;
    protected override int VersionOf(PairingChanged message) => message.Version;
    protected override ReplicaPairing Create(PairingChanged message) => new() { Id = message.PairingId, CountyId = message.CountyId };

    protected override void Apply(PairingChanged message, ReplicaPairing pairing)
    {
        pairing.UnitId = message.UnitId;
        pairing.CommunityId = message.CommunityId;
        pairing.GridIds = [.. message.GridIds];
        pairing.StartsOn = message.StartsOn;
        pairing.EndsOn = message.EndsOn;
        pairing.Commitments = [.. message.Commitments];
    }
}

public sealed class ReportReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger<ReportReplicaConsumer<TContext>> logger)
    : ReplicaConsumer<ReportChanged, ReplicaReport, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override Guid IdOf(ReportChanged message) => message.ReportId;
    protected override int VersionOf(ReportChanged message) => message.Version;
    protected override ReplicaReport Create(ReportChanged message) => new() { Id = message.ReportId, CountyId = message.CountyId };

    protected override void Apply(ReportChanged message, ReplicaReport report)
    {
        report.Kind = message.Kind;
        report.MemberId = message.MemberId;
        report.UnitId = message.UnitId;
        report.CommunityId = message.CommunityId;
        report.GridId = message.GridId;
        report.Status = message.Status;
        report.SubmittedAt = message.SubmittedAt;
        report.ConfirmedAt = message.ConfirmedAt;
        report.WithdrawnAt = message.WithdrawnAt;
    }
}

public sealed class VolunteerTeamReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger<VolunteerTeamReplicaConsumer<TContext>> logger)
    : ReplicaConsumer<VolunteerTeamChanged, ReplicaVolunteerTeam, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override Guid IdOf(VolunteerTeamChanged message) => message.TeamId;
    protected override int VersionOf(VolunteerTeamChanged message) => message.Version;
    protected override ReplicaVolunteerTeam Create(VolunteerTeamChanged message) => new() { Id = message.TeamId, CountyId = message.CountyId };

    protected override void Apply(VolunteerTeamChanged message, ReplicaVolunteerTeam team)
    {
        team.Name = message.Name;
        team.Type = message.Type;
        team.CommunityId = message.CommunityId;
        team.MemberIds = [.. message.MemberIds];
        team.RetiredAt = message.RetiredAt;
    }
}

/// <summary>
/// Keeps every version of a county's settings (each is immutable once published). When the copy
/// changes, the service's followers act on the rules now in effect, in the same transaction: the copy
/// is saved first, so that they read it.
/// </summary>
public sealed class CountySettingsReplicaConsumer<TContext>(
    TContext db, TenantContext tenant, TimeProvider clock, IEnumerable<ICountySettingsFollower<TContext>> followers,
    ILogger<CountySettingsReplicaConsumer<TContext>> logger)
    : InboxConsumer<CountySettingsChanged, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override string ConsumerName => "registry-replica:" + nameof(ReplicaCountySettings);

    protected override async Task HandleAsync(CountySettingsChanged message, ConsumeContext<CountySettingsChanged> context)
    {
        // A version never changes but for its withdrawal, which is for good: whichever announcement comes
        // first, the copy ends withdrawn once either said so.
        var known = await Db.Set<ReplicaCountySettings>().FirstOrDefaultAsync(s => s.Version == message.Version, context.CancellationToken);
        if (known is null)
        {
            Db.Add(new ReplicaCountySettings
            {
                CountyId = message.CountyId, Version = message.Version, EffectiveFrom = message.EffectiveFrom, Settings = message.Settings,
                WithdrawnAt = message.WithdrawnAt,
            });
        }
        else if (known.WithdrawnAt is null && message.WithdrawnAt is { } withdrawnAt)
        {
            known.WithdrawnAt = withdrawnAt;
        }
        else
        {
            return;
        }
        await Db.SaveChangesAsync(context.CancellationToken);
        foreach (var follower in followers)
        {
            await follower.FollowAsync(Db, message.CountyId, context.CancellationToken);
        }
    }
}

/// <summary>
/// What a service keeps in step with a county's settings (e.g. Dispatch's generated activities),
/// told when its copy of them changes, in the copy's transaction.
/// </summary>
public interface ICountySettingsFollower<in TContext>
    where TContext : ServiceDbContext
{
    /// <summary>Changes the context to follow the county's settings as the copy now holds them; the consumer saves.</summary>
    Task FollowAsync(TContext db, Guid countyId, CancellationToken cancellationToken);
}
