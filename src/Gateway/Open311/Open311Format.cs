using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using System.Xml;
using System.Xml.Linq;

namespace Platform.Gateway.Open311;

/// <summary>
/// GeoReport v2 answers in JSON or XML from one JSON tree: a top-level array becomes a root element
/// of items (<c>&lt;service_requests&gt;&lt;request&gt;…</c>), nested arrays become lists of their
/// item element (<c>attributes/attribute</c>, <c>values/value</c>, <c>endpoints/endpoint</c>,
/// <c>formats/format</c>). Errors are the spec's list of <c>{code, description}</c>.
/// </summary>
public static class Open311Format
{
    public const string Json = "json";
    public const string Xml = "xml";

    private static readonly Dictionary<string, string> ItemNames = new()
    {
        ["attributes"] = "attribute",
        ["values"] = "value",
        ["endpoints"] = "endpoint",
        ["formats"] = "format",
    };

    /// <summary>Chinese text as it is (the default writer sends every non-ASCII character as \uXXXX); HTML-sensitive characters still escaped.</summary>
    private static readonly JsonSerializerOptions Writing = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    public static bool IsKnown(string? format) => format is Json or Xml;

    /// <param name="root">The XML root of a list (services, service_requests, errors); ignored for an object.</param>
    /// <param name="item">The XML element of each list item (service, request, error).</param>
    public static IResult Answer(string format, JsonNode document, string root, string item, int status = StatusCodes.Status200OK)
    {
        if (format == Xml)
        {
            var element = document is JsonArray array
                ? new XElement(root, array.Select(node => Element(item, node)))
                : Element(root, document);
            var text = new XDocument(new XDeclaration("1.0", "utf-8", null), element).Declaration + "\n" + element.ToString(SaveOptions.DisableFormatting);
            return Results.Text(text, "text/xml; charset=utf-8", Encoding.UTF8, status);
        }
        return Results.Text(document.ToJsonString(Writing), "application/json; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>The spec's error answer: a list of {code, description}, with the HTTP status of the first.</summary>
    public static IResult Errors(string format, int status, params string[] descriptions) =>
        Answer(format == Xml ? Xml : Json,
            new JsonArray(descriptions.Select(d => (JsonNode)new JsonObject { ["code"] = status, ["description"] = d }).ToArray()),
            "errors", "error", status);

    private static XElement Element(string name, JsonNode? node) => node switch
    {
        JsonObject obj => new XElement(name, obj.Select(property => property.Value is JsonArray list
            ? new XElement(property.Key, list.Select(child => Element(ItemNames.GetValueOrDefault(property.Key, "item"), child)))
            : Element(property.Key, property.Value))),
        JsonArray list => new XElement(name, list.Select(child => Element("item", child))),
        null => new XElement(name),
        JsonValue value when value.TryGetValue<bool>(out var flag) => new XElement(name, flag ? "true" : "false"),
        _ => new XElement(name, XmlText(node.ToString())),
    };

    /// <summary>
    /// Text as XML 1.0 can carry it: a character it cannot (a control character such as U+000B, a
    /// lone surrogate) becomes U+FFFD. Dispatch keeps what residents typed, and JSON carries it as it is.
    /// </summary>
    public static string XmlText(string text)
    {
        StringBuilder? kept = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (XmlConvert.IsXmlChar(c))
            {
                kept?.Append(c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                kept?.Append(c).Append(text[i + 1]);
                i++;
            }
            else
            {
                kept ??= new StringBuilder(text.Length).Append(text, 0, i);
                kept.Append('\uFFFD');
            }
        }
        return kept?.ToString() ?? text;
    }
}
