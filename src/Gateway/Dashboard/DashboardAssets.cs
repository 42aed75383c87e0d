using System.Collections.Concurrent;

namespace Platform.Gateway.Dashboard;

/// <summary>The page, its script and style sheet, embedded in the gateway: nothing is loaded from elsewhere.</summary>
internal static class DashboardAssets
{
    private static readonly ConcurrentDictionary<string, byte[]?> Cache = new(StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    public static byte[]? Bytes(string name) => Cache.GetOrAdd(name, static name =>
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Platform.Gateway.Dashboard.Assets." + name);
        if (stream is null)
        {
            return null;
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static string Text(string name) => System.Text.Encoding.UTF8.GetString(Bytes(name) ?? throw new InvalidOperationException($"Dashboard asset {name} is not embedded."));
}
