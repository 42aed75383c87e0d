using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Rules for the text of a request that no endpoint could answer well on its own, checked before
/// routing:
/// <list type="bullet">
/// <item>header values are visible ASCII: anything else cannot be forwarded by the gateway nor read
/// the same way by every service (<c>X-Actor-Name</c> carries a Chinese name percent-encoded);</item>
/// <item>no query value holds the NUL character, which PostgreSQL text cannot store;</item>
/// <item>a body's charset is one the platform reads: UTF-8, or a legacy one such as GBK that hotline
/// systems send (transcoded), not an unknown name.</item>
/// </list>
/// Each refusal is a 400 (415 for the charset) naming the header or parameter and the rule.
/// </summary>
public static class RequestTextRules
{
    static RequestTextRules() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static IApplicationBuilder UseRequestTextRules(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (Check(context.Request) is { } problem)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        await next();
    });

    private static IResult? Check(HttpRequest request)
    {
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                if (value is not null && !IsVisibleAscii(value))
                {
                    return Problems.Validation(new Dictionary<string, string[]>
                    {
                        [name] = [$"'{name}' must be visible ASCII; send other text percent-encoded as UTF-8 (as X-Actor-Name takes a name)."],
                    });
                }
            }
        }
        foreach (var (name, values) in request.Query)
        {
            if (values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
            {
                return Problems.Validation(new Dictionary<string, string[]> { [name] = [$"'{name}' must not contain the NUL character."] });
            }
        }
        if (request.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.Charset.HasValue && BodyEncoding(contentType).Encoding is null)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
                $"The body's charset '{mediaType.Charset.Value}' is not one this platform reads; send UTF-8.");
        }
        return null;
    }

    private static bool IsVisibleAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' and not '\t' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The charset a Content-Type names (utf-8 when none) and its encoding, which refuses bytes it cannot
    /// decode rather than replace them; a null encoding for a charset no encoding answers to. For a body an
    /// endpoint reads itself (a CSV import) in the charset it was sent in.
    /// </summary>
    public static (Encoding? Encoding, string Charset) BodyEncoding(string? contentType)
    {
        var charset = MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && mediaType.Charset.HasValue
            ? mediaType.Charset.Value!.Trim('"')
            : "utf-8";
        if (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true), charset);
        }
        try
        {
            var declared = Encoding.GetEncoding(charset, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            return (declared is UTF8Encoding ? new UTF8Encoding(false, throwOnInvalidBytes: true) : declared, charset);
        }
        catch (ArgumentException)
        {
            return (null, charset);
        }
    }
}
