using System.Globalization;
using System.Net;
using System.Text.Json;
using Platform.Dispatch;
using Platform.IntegrationTests.Support;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>What the activity, attendance and monthly-list tests share: months, activities in a given state, extra replica rows.</summary>
public static class ActivityTestSupport
{
    /// <summary>A month relative to this one in Shanghai time, yyyy-MM (the hourly generation only touches this month and the next).</summary>
    public static string MonthFromNow(int months) =>
        DateTime.UtcNow.AddHours(8).AddMonths(months).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The first and last day of a yyyy-MM month.</summary>
    public static (string From, string To) Days(string month)
    {
        var first = DateOnly.ParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return (first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), first.AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    public static async Task<JsonElement> CreateActivityAsync(
        HttpClient client, DispatchCounty county, DateTimeOffset startsAt, DateTimeOffset endsAt, int? capacity = null, string kind = "co_construction", Guid? communityId = null)
    {
        var response = await client.PostJsonAsync(county.Path("activities"), new
        {
            kind, communityId = communityId ?? county.Community1.Id, title = "共建文明小区：楼道清理", place = "东门社区3号楼", startsAt, endsAt, capacity,
        });
        return await response.OkAsync(HttpStatusCode.Created);
    }

    /// <summary>An activity of community 1 that began half an hour ago and runs two hours, opened: its id.</summary>
    public static async Task<Guid> OpenNowAsync(HttpClient client, DispatchCounty county)
    {
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        var id = (await CreateActivityAsync(client, county, startsAt, startsAt.AddHours(2))).Id();
        await OpenAsync(client, county, id);
        return id;
    }

    public static async Task<JsonElement> OpenAsync(HttpClient client, DispatchCounty county, Guid activityId) =>
        await (await client.PostJsonAsync(county.Path($"activities/{activityId}/open"))).OkAsync();

    /// <summary>Writes rows straight into Dispatch's database: more of Registry's records into its copies (as <see cref="DispatchSeed"/> does), or attendances.</summary>
    public static async Task AddReplicasAsync(RunningPlatform platform, DispatchCounty county, params object[] rows)
    {
        var tenant = new TenantContext();
        tenant.Set(county.CountyId);
        await using var db = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, tenant);
        db.AddRange(rows);
        await db.SaveChangesAsync();
    }

    public static IEnumerable<Guid> Ids(this JsonElement array, string property = "memberId") =>
        array.EnumerateArray().Select(e => e.GetProperty(property).GetGuid());
}
