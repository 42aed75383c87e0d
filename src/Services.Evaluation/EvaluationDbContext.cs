using Microsoft.EntityFrameworkCore;
using Platform.Evaluation.Assessments;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Publications;
using Platform.Evaluation.Ratings;
using Platform.Evaluation.Records;
using Platform.Evaluation.Stars;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation;

/// <summary>Evaluation's database: the service record ledger and what is computed and decided from it, and its copies of Registry's records.</summary>
public sealed class EvaluationDbContext(DbContextOptions<EvaluationDbContext> options) : ServiceDbContext(options)
{
    public DbSet<ServiceRecord> ServiceRecords => Set<ServiceRecord>();

    public DbSet<PointsTally> PointsTallies => Set<PointsTally>();

    public DbSet<RequestEvent> RequestEvents => Set<RequestEvent>();

    public DbSet<ParkedEntry> ParkedEntries => Set<ParkedEntry>();

    public DbSet<ClosedPeriod> ClosedPeriods => Set<ClosedPeriod>();

    public DbSet<StarScheme> StarSchemes => Set<StarScheme>();

    public DbSet<OfficerRating> OfficerRatings => Set<OfficerRating>();

    public DbSet<Publication> Publications => Set<Publication>();

    public DbSet<PublicationItem> PublicationItems => Set<PublicationItem>();

    public DbSet<Assessment> Assessments => Set<Assessment>();

    public DbSet<AssessmentStep> AssessmentSteps => Set<AssessmentStep>();

    public DbSet<ReplicaArea> Areas => Set<ReplicaArea>();

    public DbSet<ReplicaOrganisation> Organisations => Set<ReplicaOrganisation>();

    public DbSet<ReplicaMember> Members => Set<ReplicaMember>();

    public DbSet<ReplicaPairing> Pairings => Set<ReplicaPairing>();

    public DbSet<ReplicaReport> Reports => Set<ReplicaReport>();

    public DbSet<ReplicaCountySettings> Settings => Set<ReplicaCountySettings>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyRegistryReplica().ApplyConfigurationsFromAssembly(typeof(EvaluationDbContext).Assembly);
}
