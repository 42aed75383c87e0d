using Microsoft.EntityFrameworkCore;
using Platform.Gateway.Clients;
using Platform.Gateway.Webhooks;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway;

/// <summary>
/// The gateway's database (<c>gatewaydb</c>): API clients and their hashed keys, county rate limits,
/// webhook subscriptions and deliveries, and its copy of the county directory. These rows are the
/// platform operator's, not a county's: they carry the county they are bound to, and the admin and
/// webhook APIs check it, but they are not under row-level security, because the gateway acts
/// across counties (authenticating any key, delivering every county's webhooks).
/// </summary>
public sealed class GatewayDbContext(DbContextOptions<GatewayDbContext> options) : ServiceDbContext(options)
{
    public DbSet<ApiClient> Clients => Set<ApiClient>();

    public DbSet<ApiKey> Keys => Set<ApiKey>();

    public DbSet<CountyRateLimit> CountyRateLimits => Set<CountyRateLimit>();

    public DbSet<WebhookSubscription> WebhookSubscriptions => Set<WebhookSubscription>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    protected override void ConfigureModel(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(GatewayDbContext).Assembly);
}
