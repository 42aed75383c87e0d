using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;

namespace Platform.Gateway.Access;

/// <summary>
/// The person an integrator acts for: <c>X-Actor-Role</c> (one role, or several comma-separated),
/// <c>X-Actor-Id</c>, <c>X-Actor-Name</c> (percent-encoded UTF-8) and <c>X-Channel</c>. The roles
/// must be ones the client may act for; they become the token's roles. Without <c>X-Actor-Role</c>
/// an operator's credential has every role and a county's has none.
/// </summary>
public static class ActorHeaders
{
    public const string Role = "X-Actor-Role";
    public const string Id = "X-Actor-Id";
    public const string Name = "X-Actor-Name";
    public const string Channel = "X-Channel";

    /// <summary>What identifies one acting variant of a credential (the raw header values).</summary>
    public static string VariantKey(HttpRequest request)
    {
        var headers = request.Headers;
        var role = headers[Role];
        var id = headers[Id];
        var name = headers[Name];
        var channel = headers[Channel];
        return role.Count + id.Count + name.Count + channel.Count == 0 ? "" : $"{role}\u001f{id}\u001f{name}\u001f{channel}";
    }

    /// <summary>The caller acting as the headers say, or the problem with them (400 unreadable, 403 a role the client may not act for).</summary>
    public static (PlatformCaller? Caller, IResult? Problem) Read(HttpRequest request, Credential credential)
    {
        var client = credential.Client;
        var headers = request.Headers;
        var errors = new ValidationErrors();
        var roles = headers[Role].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = roles.Where(r => !PlatformRoles.All.Contains(r)).ToList();
        if (unknown.Count > 0)
        {
            errors.Add(Role, $"'{Role}' must name one or more (comma-separated) of {string.Join(", ", PlatformRoles.All)}.");
        }
        var id = Text(headers[Id].ToString(), 64, Id, errors, decode: false);
        var name = Text(headers[Name].ToString(), 50, Name, errors, decode: true);
        var channel = Text(headers[Channel].ToString(), 16, Channel, errors, decode: false);
        if (!errors.IsValid)
        {
            return (null, errors.ToProblem());
        }
        if (!client.IsOperator && roles.FirstOrDefault(r => !client.Roles.Contains(r)) is { } refused)
        {
            return (null, Problems.Create(StatusCodes.Status403Forbidden, AccessProblemCodes.RoleNotAllowed, "Forbidden",
                $"This client may act for {(client.Roles.Count == 0 ? "no role" : string.Join(", ", client.Roles))}, not for a {refused}.", Role));
        }
        IReadOnlyList<string> granted = roles.Length > 0 ? roles : client.IsOperator ? PlatformRoles.All : [];
        return (new PlatformCaller(client.Id, client.Name, client.CountyId, client.CountyCode, client.Scopes, granted,
            roles.FirstOrDefault(), id, name, channel), null);
    }

    private static bool WellEscaped(string value)
    {
        for (var i = value.IndexOf('%'); i >= 0; i = value.IndexOf('%', i + 1))
        {
            if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The text the escapes stand for; null when their bytes are not UTF-8.</summary>
    private static string? Decode(string value)
    {
        var bytes = System.Web.HttpUtility.UrlDecodeToBytes(value.Replace("+", "%2B", StringComparison.Ordinal));
        try
        {
            return new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }

    private static string? Text(string value, int maxLength, string header, ValidationErrors errors, bool decode)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (decode)
        {
            // Every % starts an escape of two hex digits, and the bytes they give are UTF-8: anything else
            // would be stored as typed ("%ZZ") or as replacement characters.
            if (!WellEscaped(value) || Decode(value) is not { } decoded)
            {
                errors.Add(header, $"'{header}' must be percent-encoded UTF-8.");
                return null;
            }
            value = decoded;
        }
        // The raw header is visible ASCII, but its escapes may stand for a control character (%00, %0A):
        // no name holds one, and PostgreSQL's text cannot store NUL.
        if (value.Any(char.IsControl))
        {
            errors.Add(header, $"'{header}' must not hold control characters{(decode ? ", percent-encoded (%00, %0A) or not" : "")}.");
            return null;
        }
        value = value.Trim();
        if (value.Length > maxLength)
        {
            errors.Add(header, $"'{header}' must be at most {maxLength} characters.");
            return null;
        }
        return value;
    }
}
