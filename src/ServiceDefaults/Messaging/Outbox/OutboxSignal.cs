using System.Threading.Channels;

namespace Platform.ServiceDefaults.Messaging.Outbox;

/// <summary>Wakes the relay as soon as a transaction that wrote outbox rows commits.</summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Notify() => _channel.Writer.TryWrite(true);

    /// <summary>Waits for a notification or the fallback poll interval, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan pollInterval, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (_channel.Reader.TryRead(out _))
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(pollInterval);
        try
        {
            await _channel.Reader.WaitToReadAsync(timeout.Token);
            _channel.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed: look anyway, another replica's rows may be due.
        }
    }
}
