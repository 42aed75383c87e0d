using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Platform.Registry.Areas;
using Platform.Registry.Counties;
using Platform.Registry.Members;
using Platform.Registry.Organisations;
using Platform.Registry.Pairings;
using Platform.Registry.Posts;
using Platform.Registry.Reports;
using Platform.Registry.Teams;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry;

/// <summary>Registry's database: the source of truth for who is who in each county.</summary>
public sealed class RegistryDbContext(DbContextOptions<RegistryDbContext> options) : ServiceDbContext(options)
{
    public DbSet<CountySettingsVersion> CountySettings => Set<CountySettingsVersion>();

    public DbSet<Area> Areas => Set<Area>();

    public DbSet<Organisation> Organisations => Set<Organisation>();

    public DbSet<AllianceMembership> AllianceMemberships => Set<AllianceMembership>();

    public DbSet<OrganisationOfficer> OrganisationOfficers => Set<OrganisationOfficer>();

    public DbSet<ServiceStation> ServiceStations => Set<ServiceStation>();

    public DbSet<Member> Members => Set<Member>();

    public DbSet<VolunteerTeam> VolunteerTeams => Set<VolunteerTeam>();

    public DbSet<TeamMembership> TeamMemberships => Set<TeamMembership>();

    public DbSet<PublicServicePost> PublicServicePosts => Set<PublicServicePost>();

    public DbSet<PostClaim> PostClaims => Set<PostClaim>();

    public DbSet<Pairing> Pairings => Set<Pairing>();

    public DbSet<PairingGrid> PairingGrids => Set<PairingGrid>();

    public DbSet<Commitment> Commitments => Set<Commitment>();

    public DbSet<Report> Reports => Set<Report>();

    /// <summary>
    /// A record's dependents (officers, team members, post holders, commitments ...) as they will be
    /// once this context is saved: stored rows that still match and are not being deleted, plus the
    /// matching rows being added. An event built before the save carries exactly that.
    /// </summary>
    public async Task<List<T>> AfterSaveAsync<T>(Expression<Func<T, bool>> belongs, CancellationToken cancellationToken) where T : class
    {
        var stored = await Set<T>().Where(belongs).ToListAsync(cancellationToken);
        var matches = belongs.Compile();
        return stored.Where(row => Entry(row).State != EntityState.Deleted && matches(row))
            .Concat(ChangeTracker.Entries<T>().Where(e => e.State == EntityState.Added && matches(e.Entity)).Select(e => e.Entity))
            .Distinct()
            .ToList();
    }

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RegistryDbContext).Assembly);
}
