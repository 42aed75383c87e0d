using System.Globalization;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// An instant given in a query string (<c>placedFrom=2026-12-01T00:00:00+08:00</c>): ISO 8601 with
/// its offset, held in UTC. Without an offset it is refused rather than read as UTC, eight hours off
/// for a county in China; the answer names the parameter and the rule (a 400 like any bad value).
/// </summary>
public readonly record struct Instant(DateTimeOffset Value)
{
    public static bool TryParse(string? text, IFormatProvider? provider, out Instant instant)
    {
        instant = default;
        if (text is null || !InstantJsonConverter.HasOffset(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            return false;
        }
        instant = new Instant(value.ToUniversalTime());
        return true;
    }

    public override string ToString() => Value.ToString("O", CultureInfo.InvariantCulture);
}
