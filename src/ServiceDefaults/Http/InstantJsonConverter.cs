using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Instants in request bodies must carry their offset (<c>Z</c> or <c>+08:00</c>): a local time
/// without one would be read as UTC, eight hours off for a county in China, and nothing would say so.
/// Read into UTC, as every answer gives instants.
/// Written as the serializer always writes them, to the microsecond PostgreSQL keeps: an answer made
/// from the clock (a 201's <c>createdAt</c>) then reads the same as every later read of the record.
/// </summary>
public sealed class InstantJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The reader's own wording, which the problem handler turns into the field's rule.</summary>
    private const string Rule = "The JSON value is not in a supported DateTimeOffset format.";

    private static readonly JsonConverter<DateTimeOffset> Default = (JsonConverter<DateTimeOffset>)JsonSerializerOptions.Default.GetConverter(typeof(DateTimeOffset));

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !HasOffset(reader.GetString()!) || !reader.TryGetDateTimeOffset(out var instant))
        {
            throw new JsonException(null, new FormatException(Rule));
        }
        return instant.ToUniversalTime();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        Default.Write(writer, value.AddTicks(-(value.Ticks % TicksPerMicrosecond)), options);

    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    /// <summary>Ends in <c>Z</c> or in <c>±hh:mm</c> (or <c>±hhmm</c>) after a time of day.</summary>
    internal static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        if (time < 0)
        {
            return false;
        }
        var rest = text.AsSpan(time + 1);
        return rest.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || rest.IndexOfAny('+', '-') > 0;
    }
}
