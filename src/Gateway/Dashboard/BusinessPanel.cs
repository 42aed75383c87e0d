using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;

namespace Platform.Gateway.Dashboard;

/// <param name="Counties">Dispatch's <c>/ops/business</c> figures per county, as Dispatch wrote them.</param>
/// <param name="Error">"Dispatch unreachable: …" when no instance answered; the rest of the page is unaffected.</param>
public sealed record BusinessView(DateTimeOffset At, bool Available, JsonNode? Counties, string? Error);

/// <summary>Panel 4: business health per county from Dispatch (open by tier, at risk, overdue, escalations, today, the month's three rates).</summary>
public sealed class BusinessPanel(DashboardSources sources, TimeProvider clock, IMemoryCache cache)
{
    public Task<BusinessView> ReadAsync(string? county, CancellationToken cancellationToken) =>
        cache.ReadThroughAsync("ops:business:" + county, TimeSpan.FromSeconds(2), () => ReadNowAsync(county, cancellationToken));

    private async Task<BusinessView> ReadNowAsync(string? county, CancellationToken cancellationToken)
    {
        var path = "/ops/business" + (county is null ? "" : "?county=" + Uri.EscapeDataString(county));
        string? error = null;
        // Any instance will do: they share the database.
        foreach (var instance in sources.InstancesOf("dispatch"))
        {
            var read = await sources.ReadAsync<JsonObject>(instance, path, cancellationToken);
            if (read.Value is { } body)
            {
                return new BusinessView(clock.GetUtcNow(), true, body["counties"]?.DeepClone(), null);
            }
            error = read.Error == "answered 404" ? $"county {county} is not known to Dispatch" : $"Dispatch unreachable: {read.Error}";
        }
        return new BusinessView(clock.GetUtcNow(), false, null, error ?? "Dispatch is not configured");
    }
}
