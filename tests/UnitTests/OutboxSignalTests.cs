using System.Diagnostics;
using Platform.ServiceDefaults.Messaging.Outbox;

namespace Platform.UnitTests;

public sealed class OutboxSignalTests
{
    [Fact]
    public async Task A_notification_wakes_the_waiting_relay_before_the_poll_interval()
    {
        var signal = new OutboxSignal();
        var watch = Stopwatch.StartNew();
        var waiting = signal.WaitAsync(TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);

        signal.Notify();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Notifications_while_the_relay_works_are_not_lost()
    {
        var signal = new OutboxSignal();
        signal.Notify();
        signal.Notify();

        // One pending wake-up is kept (more would only cause empty passes).
        await signal.WaitAsync(TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signal.WaitAsync(TimeSpan.FromMinutes(5), TimeProvider.System, cancel.Token));
    }
}
