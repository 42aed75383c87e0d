using System.Diagnostics;

namespace Platform.IntegrationTests.Support;

/// <summary>Waiting on asynchronous effects: poll a condition until it holds or a deadline passes.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(50);
        }
        while (watch.Elapsed < timeout);
        throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last value: {last}");
    }
}
