using System.Globalization;

namespace Platform.ServiceDefaults.Http;

/// <summary>Writing CSV for people's spreadsheets (RFC 4180): what the reports and ledgers the services hand out share.</summary>
public static class CsvText
{
    /// <summary>
    /// One field: quoted when it holds a comma, quote or line break (quotes doubled); a leading
    /// = + - @, tab or carriage return is prefixed with ' so a spreadsheet never runs it as a
    /// formula (a plain number, such as -5, is left as it is).
    /// </summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>One record: the fields, each through <see cref="Field"/>, comma-separated, ending in CRLF.</summary>
    public static string Line(IEnumerable<string> fields) => string.Join(",", fields.Select(Field)) + "\r\n";
}
