using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Probe;

/// <summary>What the probe does with a message (configuration section <c>Probe</c>).</summary>
public sealed class ProbeOptions
{
    /// <summary>Write the effect, print <see cref="EffectConsumer.BlockedMarker"/> and never commit: the test then kills the process.</summary>
    public bool BlockBeforeCommit { get; set; }
}

/// <summary>Records an effect per CountyRegistered; a county named "poison" always fails.</summary>
public sealed class EffectConsumer(ProbeDbContext db, TenantContext tenant, TimeProvider clock, IOptions<ProbeOptions> options, ILogger<EffectConsumer> logger)
    : InboxConsumer<CountyRegistered, ProbeDbContext>(db, tenant, clock, logger)
{
    public const string BlockedMarker = "PROBE-BLOCKED-BEFORE-COMMIT";
    public const string PoisonName = "poison";

    protected override async Task HandleAsync(CountyRegistered message, ConsumeContext<CountyRegistered> context)
    {
        if (message.Name == PoisonName)
        {
            throw new InvalidOperationException("This message can never be processed.");
        }
        Db.Effects.Add(new Effect { MessageId = context.MessageId!.Value, Code = message.Code });
        if (options.Value.BlockBeforeCommit)
        {
            await Db.SaveChangesAsync(context.CancellationToken);
            await Console.Out.WriteLineAsync($"{BlockedMarker} {context.MessageId}");
            await Console.Out.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
    }
}
