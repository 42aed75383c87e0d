using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Strings in request bodies may not hold the NUL character (<c>\u0000</c>): PostgreSQL text
/// cannot store it, so it would fail the write at the end instead of naming the field at the start.
/// </summary>
public sealed class TextJsonConverter : JsonConverter<string>
{
    /// <summary>The wording the problem handler turns into the field's rule (see <c>PlatformExceptionHandler.Rule</c>).</summary>
    internal const string Rule = "The JSON value is not in a supported Text format.";

    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is not null && text.Contains('\0', StringComparison.Ordinal))
        {
            throw new JsonException(null, new FormatException(Rule));
        }
        return text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
