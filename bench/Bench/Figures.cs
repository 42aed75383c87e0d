using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Bench;

/// <summary>A benchmark's figures in the order they were set: printed as the run's last line, one line of JSON.</summary>
public sealed class Figures
{
    private readonly JsonObject _values = [];

    public void Set(string key, double value, int decimals) => _values[key] = Math.Round(value, decimals);

    public void Set(string key, long value) => _values[key] = value;

    public void Set(string key, string value) => _values[key] = value;

    public void Set(string key, bool value) => _values[key] = value;

    public string ToJson() => _values.ToJsonString(new JsonSerializerOptions { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

/// <summary>Progress goes to standard error, so standard output ends with the JSON line alone.</summary>
public static class Log
{
    private static readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();

    public static void Write(string line) => Console.Error.WriteLine($"[bench {Clock.Elapsed.TotalSeconds,6:F1}s] {line}");
}
