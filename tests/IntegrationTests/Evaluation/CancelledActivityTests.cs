using System.Net;
using System.Text.Json;
using Platform.Contracts.Dispatch;
using Platform.IntegrationTests.Support;
using static Platform.IntegrationTests.Dispatch.ActivityTestSupport;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>A cancelled activity was not held: what its check-ins earned leaves points, star ratings, coverage and the reports.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CancelledActivityTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Cancelling_an_activity_takes_its_attendances_back_out_of_points_stars_coverage_and_reports()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        await using var log = await EventLog.StartAsync(platform);
        await using var cancelledEvents = await EventProbe<ActivityCancelled>.StartAsync(platform);
        var now = DateTimeOffset.UtcNow;
        var (month, quarter, week) = (EvaluationSeed.Month(now), EvaluationSeed.Quarter(now), EvaluationSeed.Week(now));
        // Everything happens on today's date in the county, so one week, month and quarter hold it all.
        var local = TimeZoneInfo.ConvertTime(now, EvaluationSeed.Zone);
        var midnight = new DateTimeOffset(local.Date, local.Offset);
        var checkedInAt = now.AddMinutes(-31) > midnight ? now.AddMinutes(-31) : midnight;
        // 张伟 and 王芳 both reported to 东门社区, where both activities are.
        var (zhang, wang) = (county.Members[0], county.Members[1]);
        var held = await CreateActivityAsync(client, county.Dispatch, now.AddHours(-1), now.AddHours(2));
        var called = await CreateActivityAsync(client, county.Dispatch, now.AddHours(-1), now.AddHours(2), kind: "volunteer_service");
        await OpenAsync(client, county.Dispatch, held.Id());
        await OpenAsync(client, county.Dispatch, called.Id());
        await (await client.PostJsonAsync(county.DispatchPath($"activities/{held.Id()}/check-in"), new { memberId = wang.Id, byStaff = "李明", at = checkedInAt }))
            .OkAsync(HttpStatusCode.Created);
        var attendance = await (await client.PostJsonAsync(county.DispatchPath($"activities/{called.Id()}/check-in"), new { memberId = zhang.Id, byStaff = "李明", at = checkedInAt }))
            .OkAsync(HttpStatusCode.Created);
        var checkedOut = await (await client.PostJsonAsync(county.DispatchPath($"activities/{called.Id()}/check-out"), new { memberId = zhang.Id, byStaff = "李明", at = now })).OkAsync();
        var minutes = checkedOut.GetProperty("serviceMinutes").GetInt32();
        // activity_attendance gives 2 a check-in, service_hour 1 an hour.
        var servicePoints = Math.Round(minutes / 60m, 2, MidpointRounding.AwayFromZero);

        await PointsAsync(client, county, zhang.Id, month, 2 + servicePoints);
        await PointsAsync(client, county, wang.Id, month, 2);
        var coverage = await client.GetJsonAsync(county.Path($"coverage?period={quarter}"));
        Assert.Equal(2, coverage.GetProperty("served").GetInt32());
        Assert.Equal((2, 4), await AttendanceIndicatorAsync(client, county, month));
        var weekly = (await client.GetJsonAsync(county.Path($"reports/weekly?period={week}"))).GetProperty("totals");
        Assert.Equal(2, weekly.GetProperty("attendances").GetInt32());
        Assert.Equal(minutes, weekly.GetProperty("serviceMinutes").GetInt32());

        var cancelled = await (await client.PostJsonAsync(county.DispatchPath($"activities/{called.Id()}/cancel"), new { reason = "天气原因" })).OkAsync();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());

        // Dispatch names the attendance it voids, as it stood.
        var published = await cancelledEvents.WaitForAsync(e => e.ActivityId == called.Id());
        var voided = Assert.Single(published.Attendances);
        Assert.Equal((attendance.Id(), zhang.Id, minutes), (voided.AttendanceId, voided.MemberId, voided.ServiceMinutes));
        Assert.Equal("天气原因", published.Reason);

        // Evaluation takes back exactly what it gave, and the check-in no longer counts anywhere.
        await PointsAsync(client, county, zhang.Id, month, 0);
        await PointsAsync(client, county, wang.Id, month, 2);
        coverage = await client.GetJsonAsync(county.Path($"coverage?period={quarter}"));
        Assert.Equal(1, coverage.GetProperty("served").GetInt32());
        var nonCompliant = await client.GetJsonAsync(county.Path($"coverage/non-compliant?period={quarter}"));
        Assert.Contains(zhang.Code, nonCompliant.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("code").GetString()));
        Assert.Equal((1, 4), await AttendanceIndicatorAsync(client, county, month));
        weekly = (await client.GetJsonAsync(county.Path($"reports/weekly?period={week}"))).GetProperty("totals");
        Assert.Equal(1, weekly.GetProperty("attendances").GetInt32());
        Assert.Equal(0, weekly.GetProperty("serviceMinutes").GetInt32());
        var monthly = (await client.GetJsonAsync(county.Path($"reports/monthly?period={month}"))).GetProperty("totals");
        Assert.Equal(1, monthly.GetProperty("attendances").GetInt32());
        Assert.Equal(2m, monthly.GetProperty("points").GetDecimal());

        // The record keeps the original lines and shows what took them back; the tallies are what the ledger rebuilds.
        var taken = (await client.GetJsonAsync(county.Path($"records?memberId={zhang.Id}&kind=activity_cancelled"))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([-2m, -servicePoints], taken.Select(l => l.GetProperty("points").GetDecimal()).Order());
        Assert.All(taken, l => Assert.Equal(called.Id(), l.GetProperty("activityId").GetGuid()));
        Assert.Equal(2, (await client.GetJsonAsync(county.Path($"records?memberId={zhang.Id}&kind=activity_attended"))).GetProperty("total").GetInt64()
            + (await client.GetJsonAsync(county.Path($"records?memberId={zhang.Id}&kind=service_time"))).GetProperty("total").GetInt64());
        Assert.True((await client.GetJsonAsync(county.Path($"periods/{month}/verification"))).GetProperty("matches").GetBoolean());

        // The cancellation again, under its own message id and under a new one: nothing more is taken back.
        var database = platform.Databases["evaluation"].Name;
        var inbox = await platform.Fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM inbox_messages WHERE consumer LIKE 'service-record:%'");
        var lines = await platform.Fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM service_records WHERE county_id = '{county.CountyId}'");
        var replayed = await log.ReplayAsync(county.CountyId);
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM inbox_messages WHERE consumer LIKE 'service-record:%'"),
            n => n >= inbox + replayed, TimeSpan.FromSeconds(30), "the replayed events to be consumed");
        Assert.Equal(lines, await platform.Fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM service_records WHERE county_id = '{county.CountyId}'"));
        await PointsAsync(client, county, zhang.Id, month, 0);
    }

    /// <summary>Waits until the member's points for the period are the expected ones.</summary>
    private static Task<decimal> PointsAsync(HttpClient client, EvaluationCounty county, Guid memberId, string period, decimal expected) =>
        Poll.UntilAsync(async () => (await client.GetJsonAsync(county.Path($"points/members/{memberId}?period={period}"))).GetProperty("total").GetDecimal(),
            total => total == expected, TimeSpan.FromSeconds(30), $"member {memberId} to have {expected} points in {period}");

    /// <summary>东门社区's activity_attendance indicator: reported members who attended there, of those reported there.</summary>
    private static async Task<(int Numerator, int Denominator)> AttendanceIndicatorAsync(HttpClient client, EvaluationCounty county, string month)
    {
        var ratings = await client.GetJsonAsync(county.Path($"star-ratings?period={month}"));
        var community = ratings.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("communityId").GetGuid() == county.Dispatch.Community1.Id);
        JsonElement indicator = community.GetProperty("indicators").EnumerateArray().Single(i => i.GetProperty("indicator").GetString() == "activity_attendance");
        return (indicator.GetProperty("numerator").GetInt32(), indicator.GetProperty("denominator").GetInt32());
    }
}
