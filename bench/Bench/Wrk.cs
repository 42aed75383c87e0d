using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Bench;

/// <summary>Runs wrk (-t2 -c32 --latency) against a URL on loopback and reads requests/s, latency percentiles and errors.</summary>
public static partial class Wrk
{
    /// <param name="Errors">Non-2xx/3xx answers plus socket errors: anything but 0 makes the figures meaningless.</param>
    public sealed record Result(double Rps, double P50Ms, double P99Ms, long Requests, long Errors);

    /// <param name="headers">Request headers, e.g. "Authorization: Bearer …".</param>
    public static async Task<Result> RunAsync(string url, int seconds, CancellationToken cancellationToken, params string[] headers)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t2", "-c32", $"-d{seconds}s", "--latency" }.Concat(headers.SelectMany(h => new[] { "-H", h })).Append(url))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds + 30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var text = await output;
        if (process.ExitCode != 0 || !RpsLine().IsMatch(text))
        {
            throw new InvalidOperationException($"wrk {url} failed (exit {process.ExitCode}):\n{text}\n{await error}");
        }
        var rps = double.Parse(RpsLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        var requests = long.Parse(RequestsLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        long errors = 0;
        if (NonSuccessLine().Match(text) is { Success: true } nonSuccess)
        {
            errors += long.Parse(nonSuccess.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        if (SocketErrorsLine().Match(text) is { Success: true } socket)
        {
            errors += Enumerable.Range(1, 4).Sum(group => long.Parse(socket.Groups[group].Value, CultureInfo.InvariantCulture));
        }
        return new Result(rps, Latency(text, "50%"), Latency(text, "99%"), requests, errors);
    }

    /// <summary>A line of the latency distribution, e.g. "     99%    1.62ms", in milliseconds.</summary>
    private static double Latency(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            throw new InvalidOperationException($"no {percentile} latency line in wrk's output:\n{output}");
        }
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            _ => value * 60_000,
        };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RpsLine();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}
