using System.Globalization;
using Platform.Evaluation;
using Platform.IntegrationTests.Support;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>
/// A county known to Dispatch and Evaluation alike: <see cref="DispatchSeed"/>'s county (registered
/// through the gateway, so both services learn of it and of its settings from Registry's events),
/// with the same copies of Registry's records written into Evaluation's database too.
/// </summary>
public sealed class EvaluationCounty
{
    public required DispatchCounty Dispatch { get; init; }

    public string Code => Dispatch.Code;

    public Guid CountyId => Dispatch.CountyId;

    public IReadOnlyList<ReplicaMember> Members => Dispatch.Members;

    public string Path(string relative) => $"/api/evaluation/counties/{Code}/{relative.TrimStart('/')}";

    public string DispatchPath(string relative) => Dispatch.Path(relative);
}

public static class EvaluationSeed
{
    public static async Task<EvaluationCounty> CountyAsync(RunningPlatform platform)
    {
        var county = await DispatchSeed.CountyAsync(platform);
        var database = platform.Databases["evaluation"];
        await Poll.UntilAsync(
            () => platform.Fixture.QueryScalarAsync<long>(database.Name, $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{county.CountyId}'"),
            n => n >= 1, TimeSpan.FromSeconds(20), "Evaluation to learn of the county's settings");
        await Poll.UntilAsync(
            () => platform.Fixture.QueryScalarAsync<long>(database.Name, $"SELECT count(*) FROM counties WHERE id = '{county.CountyId}'"),
            n => n == 1, TimeSpan.FromSeconds(20), "Evaluation to learn of the county");

        // Dispatch's copies, read back and written as Evaluation's (same ids, same versions).
        var dispatchTenant = new TenantContext();
        dispatchTenant.Set(county.CountyId);
        await using var source = Contexts.Create<Platform.Dispatch.DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, dispatchTenant);
        var tenant = new TenantContext();
        tenant.Set(county.CountyId);
        await using var db = Contexts.Create<EvaluationDbContext>(database.AppConnectionString, tenant);
        db.AddRange(source.Areas.ToList().Select(Copy));
        db.AddRange(source.Organisations.ToList().Select(Copy));
        db.AddRange(source.Members.ToList().Select(Copy));
        db.AddRange(source.Pairings.ToList().Select(Copy));
        db.AddRange(source.Set<ReplicaReport>().ToList().Select(Copy));
        await db.SaveChangesAsync();
        return new EvaluationCounty { Dispatch = county };
    }

    private static T Copy<T>(T replica) where T : class
    {
        var copy = (T)typeof(T).GetMethod("MemberwiseClone", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.Invoke(replica, null)!;
        return copy;
    }

    /// <summary>This month in the county's calendar (Asia/Shanghai): yyyy-MM.</summary>
    public static string Month(DateTimeOffset moment) => TimeZoneInfo.ConvertTime(moment, Zone).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static string Quarter(DateTimeOffset moment)
    {
        var local = TimeZoneInfo.ConvertTime(moment, Zone);
        return $"{local.Year:D4}-Q{(local.Month - 1) / 3 + 1}";
    }

    /// <summary>This ISO week in the county's calendar: yyyy-Www.</summary>
    public static string Week(DateTimeOffset moment)
    {
        var local = TimeZoneInfo.ConvertTime(moment, Zone).DateTime;
        return $"{ISOWeek.GetYear(local):D4}-W{ISOWeek.GetWeekOfYear(local):D2}";
    }

    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>[from, to) of a yyyy-MM month or yyyy-Qn quarter in the county's calendar, in UTC.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Bounds(string period)
    {
        var year = int.Parse(period[..4], CultureInfo.InvariantCulture);
        var (first, months) = period.Contains("-Q", StringComparison.Ordinal)
            ? (new DateTime(year, (int.Parse(period[^1..], CultureInfo.InvariantCulture) - 1) * 3 + 1, 1), 3)
            : (new DateTime(year, int.Parse(period[5..], CultureInfo.InvariantCulture), 1), 1);
        DateTimeOffset Local(DateTime day) => new(day, Zone.GetUtcOffset(day));
        return (Local(first).ToUniversalTime(), Local(first.AddMonths(months)).ToUniversalTime());
    }
}
