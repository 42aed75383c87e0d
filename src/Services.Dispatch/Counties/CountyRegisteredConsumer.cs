using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Counties;

/// <summary>Keeps Dispatch's copy of the county directory (queue <c>dispatch-county-registered</c>).</summary>
public sealed class CountyRegisteredConsumer(DispatchDbContext db, TenantContext tenant, TimeProvider clock, ILogger<CountyRegisteredConsumer> logger)
    : CountyReplicaConsumer<DispatchDbContext>(db, tenant, clock, logger);
