using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Counties;

/// <summary>Keeps Evaluation's copy of the county directory (queue <c>evaluation-county-registered</c>).</summary>
public sealed class CountyRegisteredConsumer(EvaluationDbContext db, TenantContext tenant, TimeProvider clock, ILogger<CountyRegisteredConsumer> logger)
    : CountyReplicaConsumer<EvaluationDbContext>(db, tenant, clock, logger);
