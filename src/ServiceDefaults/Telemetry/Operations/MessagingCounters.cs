using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Platform.ServiceDefaults.Telemetry.Operations;

/// <summary>
/// Totals since this instance started of the platform's own messaging instruments (outbox
/// published and failed, inbox duplicates per consumer), read from the same meter OTLP exports.
/// </summary>
public sealed class MessagingCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _published;
    private long _failed;
    private readonly ConcurrentDictionary<string, long> _duplicates = new(StringComparer.Ordinal);

    public MessagingCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PlatformTelemetry.SourceName && instrument.Name is "platform.outbox.published" or "platform.outbox.failed" or "platform.inbox.duplicates")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Published => Interlocked.Read(ref _published);

    public long Failed => Interlocked.Read(ref _failed);

    public IReadOnlyList<DimensionFigures> DuplicatesByConsumer() =>
        [.. _duplicates.Select(pair => new DimensionFigures(pair.Key, pair.Value, pair.Value)).OrderByDescending(d => d.Requests)];

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case "platform.outbox.published":
                Interlocked.Add(ref _published, value);
                break;
            case "platform.outbox.failed":
                Interlocked.Add(ref _failed, value);
                break;
            default:
                var consumer = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "consumer")
                    {
                        consumer = tag.Value?.ToString() ?? "";
                    }
                }
                _duplicates.AddOrUpdate(consumer, value, (_, total) => total + value);
                break;
        }
    }

    public void Dispose() => _listener.Dispose();
}
