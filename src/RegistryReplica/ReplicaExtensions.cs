using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Persistence;

namespace Platform.RegistryReplica;

public static class ReplicaExtensions
{
    /// <summary>
    /// The consumers that keep the service's copy of Registry's records, all on one queue
    /// (<c>{service}-registry-replica</c>): order between records does not matter, versions do.
    /// </summary>
    public static IBusRegistrationConfigurator AddRegistryReplica<TContext>(this IBusRegistrationConfigurator bus, string serviceName)
        where TContext : ServiceDbContext
    {
        var queue = $"{serviceName}-registry-replica";
        bus.AddConsumer<AreaReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        bus.AddConsumer<OrganisationReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        bus.AddConsumer<MemberReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        bus.AddConsumer<PairingReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        bus.AddConsumer<ReportReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        bus.AddConsumer<VolunteerTeamReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        bus.AddConsumer<CountySettingsReplicaConsumer<TContext>>().Endpoint(e => e.Name = queue);
        return bus;
    }

    /// <summary>The settings of a county in effect at a moment: the newest version effective by then, withdrawn ones aside.</summary>
    public static Task<ReplicaCountySettings?> SettingsAtAsync(this DbSet<ReplicaCountySettings> settings, DateTimeOffset moment, CancellationToken cancellationToken) =>
        settings.Standing().Where(s => s.EffectiveFrom <= moment).OrderByDescending(s => s.Version).FirstOrDefaultAsync(cancellationToken);

    /// <summary>The versions that are or will be in effect: every one but those withdrawn before they took effect.</summary>
    public static IQueryable<ReplicaCountySettings> Standing(this DbSet<ReplicaCountySettings> settings) =>
        settings.AsNoTracking().Where(s => s.WithdrawnAt == null);
}
