using System.Security.Cryptography;
using System.Text;

namespace Platform.Gateway.Clients;

/// <summary>
/// API keys: <c>gwk_</c>, eight characters that identify the key (shown in listings), <c>_</c>, then
/// 43 characters of secret: 256 random bits in all beyond the prefix. Stored as SHA-256 only.
/// </summary>
public static class ApiKeys
{
    public const string Marker = "gwk_";
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>A configured key (the bootstrap operator's) must be at least this long.</summary>
    public const int MinimumLength = 32;

    public static string New()
    {
        var id = new string(RandomNumberGenerator.GetItems<char>(Alphabet, 8));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Marker}{id}_{secret}";
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>What may be shown of a key: <c>gwk_</c> and its id.</summary>
    public static string Prefix(string key) => key[..Math.Min(key.Length, Marker.Length + 8)];
}
