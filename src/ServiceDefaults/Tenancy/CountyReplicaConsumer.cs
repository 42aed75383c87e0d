using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// Keeps a service's copy of the county directory from Registry's events, through the inbox. Each
/// service declares its own subclass so that it gets its own queue.
/// </summary>
public abstract class CountyReplicaConsumer<TContext>(TContext db, TenantContext tenant, TimeProvider clock, ILogger logger)
    : InboxConsumer<CountyRegistered, TContext>(db, tenant, clock, logger)
    where TContext : ServiceDbContext
{
    protected override async Task HandleAsync(CountyRegistered message, ConsumeContext<CountyRegistered> context)
    {
        var known = await Db.Counties.AnyAsync(c => c.Id == message.CountyId, context.CancellationToken);
        if (!known)
        {
            Db.Counties.Add(new County
            {
                Id = message.CountyId,
                Code = message.Code,
                Name = message.Name,
                TimeZone = message.TimeZone,
                RegisteredAt = message.RegisteredAt,
            });
        }
    }
}
