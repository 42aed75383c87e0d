using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Gateway.Dashboard;

/// <summary>
/// The dashboard's session cookie: the instant it was issued and an HMAC of that instant keyed by the
/// operator key (never the key). The gateway ends it after <see cref="DashboardOptions.SessionLifetime"/>
/// whatever the browser keeps; a changed key ends every session of the old one.
/// </summary>
public static class OperatorSession
{
    public enum Check
    {
        Valid,
        Expired,
        Invalid,
    }

    /// <summary>How far ahead of this gateway's clock another replica's may have issued a session.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static string Issue(string key, DateTimeOffset now)
    {
        var issued = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{issued}.{Mac(key, issued)}";
    }

    /// <summary>Whether the cookie was issued for this key (else Invalid) and is still within its lifetime (else Expired).</summary>
    public static Check Read(string cookie, string key, DateTimeOffset now, TimeSpan lifetime)
    {
        var dot = cookie.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !OperatorAccess.SameSecret(cookie[(dot + 1)..], Mac(key, cookie[..dot]))
            || !long.TryParse(cookie[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Check.Invalid;
        }
        var age = TimeSpan.FromSeconds(now.ToUnixTimeSeconds() - (double)seconds);
        return age <= lifetime && age >= -ClockSkew ? Check.Valid : Check.Expired;
    }

    private static string Mac(string key, string issued) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes("platform-ops-session:" + issued)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
