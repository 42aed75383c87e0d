using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway.Counties;

/// <summary>Keeps the gateway's copy of the county directory (queue <c>gateway-county-directory</c>): county credentials and Open311 jurisdictions resolve against it.</summary>
public sealed class CountyDirectoryConsumer(GatewayDbContext db, TenantContext tenant, TimeProvider clock, ILogger<CountyDirectoryConsumer> logger)
    : CountyReplicaConsumer<GatewayDbContext>(db, tenant, clock, logger);
