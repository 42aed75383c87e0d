using System.Net;
using System.Text.Json;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>
/// A month driven through Registry and Dispatch at the gateway (real services, real events): the
/// points, three rates, star ratings and coverage Evaluation answers equal what the test computes
/// from the raw events it observed; replaying every event changes nothing; the stored figures are
/// what the ledger rebuilds.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class GeneratedMonthTests(PlatformFixture fixture)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Points_rates_star_ratings_and_coverage_follow_from_the_events_and_a_replay_changes_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await EvaluationSeed.CountyAsync(platform);
        await using var log = await EventLog.StartAsync(platform);
        var started = DateTimeOffset.UtcNow;

        await MonthDriver.DriveAsync(client, county);

        var events = await SettledAsync(platform, log, county);
        var month = EvaluationSeed.Month(started);
        var quarter = EvaluationSeed.Quarter(started);
        var (from, to) = EvaluationSeed.Bounds(month);
        var rules = (await client.GetJsonAsync($"/api/registry/counties/{county.Code}/settings")).GetProperty("settings").GetProperty("pointsRules").Deserialize<List<PointsRule>>(Json)!;

        // Points: every member's balance, and the county's leaderboard in its order.
        var expectedPoints = Expected.Points(events, rules, from, to);
        foreach (var member in county.Members)
        {
            var balance = await client.GetJsonAsync(county.Path($"points/members/{member.Id}?period={month}"));
            Assert.Equal(expectedPoints.GetValueOrDefault(member.Id), balance.GetProperty("total").GetDecimal());
        }
        Assert.True(expectedPoints.Values.Sum() > 0);
        var board = await client.GetJsonAsync(county.Path($"points/leaderboard?period={month}"));
        var order = county.Members.Where(m => m.Status == "active" || expectedPoints.ContainsKey(m.Id))
            .OrderByDescending(m => expectedPoints.GetValueOrDefault(m.Id)).ThenBy(m => m.Code, StringComparer.Ordinal).Select(m => m.Code).ToList();
        Assert.Equal(order, board.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToList());
        var grid1 = await client.GetJsonAsync(county.Path($"points/leaderboard?period={month}&scope=grid&scopeId={county.Dispatch.Grid1.Id}"));
        Assert.All(grid1.GetProperty("items").EnumerateArray(), r => Assert.Equal(county.Dispatch.Grid1.Id, r.GetProperty("gridId").GetGuid()));
        Assert.Equal(1, grid1.GetProperty("items")[0].GetProperty("rank").GetInt32());

        // The three rates (and on time) for the county, each community and each unit.
        var outcomes = Expected.Outcomes(events, from, to);
        Assert.Equal(10, outcomes.Count);
        AssertRates(Expected.RatesOf(outcomes), (await client.GetJsonAsync(county.Path($"rates?period={month}"))).GetProperty("items")[0]);
        var communities = await client.GetJsonAsync(county.Path($"rates?period={month}&groupBy=community"));
        foreach (var row in communities.GetProperty("items").EnumerateArray())
        {
            AssertRates(Expected.RatesOf(outcomes.Where(o => o.CommunityId == row.GetProperty("id").GetGuid())), row);
        }
        var units = await client.GetJsonAsync(county.Path($"rates?period={month}&groupBy=unit"));
        Assert.Equal(2, units.GetProperty("items").GetArrayLength());
        foreach (var row in units.GetProperty("items").EnumerateArray())
        {
            AssertRates(Expected.RatesOf(outcomes.Where(o => o.UnitId == row.GetProperty("id").GetGuid())), row);
        }

        // Star ratings: each community's indicators from the same events and the county's copies.
        var attendances = events.OfType<AttendanceRecorded>().Where(a => a.Change == AttendanceChange.CheckedIn && a.CheckedInAt >= from && a.CheckedInAt < to).ToList();
        var stars = await client.GetJsonAsync(county.Path($"star-ratings?period={month}"));
        foreach (var rating in stars.GetProperty("items").EnumerateArray())
        {
            var communityId = rating.GetProperty("communityId").GetGuid();
            var rates = Expected.RatesOf(outcomes.Where(o => o.CommunityId == communityId));
            var residents = county.Members.Where(m => m.Status == "active" && m.CommunityId == communityId).ToList();
            var reported = county.Members.Take(5).Where(m => m.CommunityId == communityId).ToList();
            var attended = reported.Count(m => attendances.Any(a => a.MemberId == m.Id && a.CommunityId == communityId));
            (decimal? Value, decimal Weight)[] indicators =
            [
                (Expected.Percent(rates.Responded, rates.Requests), 20), (Expected.Percent(rates.Resolved, rates.Requests), 20),
                (Expected.Percent(rates.Satisfied, rates.Rated), 20), (Expected.Percent(residents.Count(r => reported.Contains(r)), residents.Count), 15),
                (Expected.Percent(attended, reported.Count), 15), (Expected.Percent(rates.Requests - rates.Overdue, rates.Requests), 10),
            ];
            var score = Expected.Score(indicators);
            Assert.Equal(score, rating.GetProperty("score").GetDecimal());
            Assert.Equal(new[] { 60m, 70, 80, 90, 95 }.Count(t => score >= t), rating.GetProperty("stars").GetInt32());
            Assert.Equal(indicators.Select(i => i.Value), rating.GetProperty("indicators").EnumerateArray().Select(i => i.GetProperty("value").ValueKind == JsonValueKind.Null ? (decimal?)null : i.GetProperty("value").GetDecimal()));
        }

        // Coverage: the reported members who served (a check-in, or a completed request) in the community they reported to this quarter.
        var (quarterFrom, quarterTo) = EvaluationSeed.Bounds(quarter);
        var servedIn = events.OfType<AttendanceRecorded>().Where(a => a.Change == AttendanceChange.CheckedIn && a.CheckedInAt >= quarterFrom && a.CheckedInAt < quarterTo)
            .Select(a => (a.MemberId, a.CommunityId))
            .Concat(events.OfType<RequestCompleted>().Where(c => c.CompletedAt >= quarterFrom && c.CompletedAt < quarterTo)
                .SelectMany(c => c.Request.AssigneeMemberIds.Select(m => (m, c.Request.CommunityId))))
            .ToHashSet();
        var nonCompliant = county.Members.Take(5).Where(m => !servedIn.Contains((m.Id, m.CommunityId))).Select(m => m.Code).OrderBy(c => c, StringComparer.Ordinal).ToList();
        var coverage = await client.GetJsonAsync(county.Path($"coverage?period={quarter}"));
        Assert.Equal(5, coverage.GetProperty("reported").GetInt32());
        Assert.Equal(5 - nonCompliant.Count, coverage.GetProperty("served").GetInt32());
        var listed = await client.GetJsonAsync(county.Path($"coverage/non-compliant?period={quarter}"));
        Assert.Equal(nonCompliant, listed.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("code").GetString()!).ToList());
        foreach (var unit in coverage.GetProperty("units").EnumerateArray())
        {
            var members = county.Members.Take(5).Where(m => m.UnitId == unit.GetProperty("unitId").GetGuid()).ToList();
            var served = members.Count(m => servedIn.Contains((m.Id, m.CommunityId)));
            Assert.Equal(Expected.Percent(served, members.Count), unit.GetProperty("percent").GetDecimal());
            Assert.Equal(Expected.Percent(served, members.Count) < 90, unit.GetProperty("belowThreshold").GetBoolean());
        }

        // Every line names its source; the stored tallies are what the ledger rebuilds.
        var lines = await client.GetJsonAsync(county.Path($"records?memberId={county.Members[0].Id}&pageSize=200"));
        Assert.All(lines.GetProperty("items").EnumerateArray(), l => Assert.False(string.IsNullOrEmpty(l.GetProperty("sourceKey").GetString())));
        Assert.Contains(lines.GetProperty("items").EnumerateArray(), l => l.GetProperty("ruleCode").GetString() == "request_completed_ordinary" && l.GetProperty("settingsVersion").GetInt32() == 1);
        var verified = await client.GetJsonAsync(county.Path($"periods/{month}/verification"));
        Assert.True(verified.GetProperty("matches").GetBoolean(), verified.ToString());

        // Every event again, under its own message id and under a new one: nothing changes.
        var before = await SnapshotAsync(platform, client, county, month, quarter);
        var replayed = await log.ReplayAsync(county.CountyId);
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(platform.Databases["evaluation"].Name,
            "SELECT count(*) FROM inbox_messages WHERE consumer LIKE 'service-record:%'"), n => n >= before.Inbox + replayed, TimeSpan.FromSeconds(30), "the replayed events to be consumed");
        var after = await SnapshotAsync(platform, client, county, month, quarter);
        Assert.Equal(before with { Inbox = 0 }, after with { Inbox = 0 });
        Assert.True((await client.GetJsonAsync(county.Path($"periods/{month}/verification"))).GetProperty("matches").GetBoolean());
    }

    /// <summary>Waits until Dispatch has published everything and Evaluation has recorded it.</summary>
    internal static async Task<List<Platform.Contracts.ICountyMessage>> SettledAsync(RunningPlatform platform, EventLog log, EvaluationCounty county)
    {
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(platform.Databases["dispatch"].Name, "SELECT count(*) FROM outbox_messages"),
            n => n == 0, TimeSpan.FromSeconds(20), "Dispatch's outbox to drain");
        var seen = (await log.SeenAsync(county.CountyId)).Select(s => s.Message).ToList();
        var requestKeys = seen.Count(e => e is RequestPlaced or RequestDispatched or RequestClaimed or RequestReleased or RequestCompleted or RequestRated
            or RequestReopened or RequestOverdue or RequestEscalated or RequestExtended or RequestCancelled);
        var attendanceLines = seen.OfType<AttendanceRecorded>().Sum(a => a.Change != AttendanceChange.OutcomeRecorded && a.UnitId is not null ? 2 : 1);
        var database = platform.Databases["evaluation"].Name;
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM request_events WHERE county_id = '{county.CountyId}'"),
            n => n == requestKeys, TimeSpan.FromSeconds(30), $"Evaluation to record {requestKeys} request events");
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(database,
            $"SELECT count(*) FROM service_records WHERE county_id = '{county.CountyId}' AND source_event = 'AttendanceRecorded'"),
            n => n == attendanceLines, TimeSpan.FromSeconds(30), $"Evaluation to record {attendanceLines} attendance lines");
        return (await log.SeenAsync(county.CountyId)).Select(s => s.Message).ToList();
    }

    private sealed record Snapshot(long Lines, long RequestEvents, long Tallies, decimal Points, string Rates, string Units, string Stars, string Coverage, long Inbox);

    private static async Task<Snapshot> SnapshotAsync(RunningPlatform platform, HttpClient client, EvaluationCounty county, string month, string quarter)
    {
        var database = platform.Databases["evaluation"].Name;
        Task<long> Count(string sql) => platform.Fixture.QueryScalarAsync<long>(database, sql);
        return new Snapshot(
            await Count($"SELECT count(*) FROM service_records WHERE county_id = '{county.CountyId}'"),
            await Count($"SELECT count(*) FROM request_events WHERE county_id = '{county.CountyId}'"),
            await Count($"SELECT count(*) FROM points_tallies WHERE county_id = '{county.CountyId}'"),
            await platform.Fixture.QueryScalarAsync<decimal>(database, $"SELECT coalesce(sum(capped), 0) FROM points_tallies WHERE county_id = '{county.CountyId}'"),
            (await client.GetJsonAsync(county.Path($"rates?period={month}&groupBy=community"))).GetProperty("items").GetRawText(),
            (await client.GetJsonAsync(county.Path($"rates?period={month}&groupBy=unit"))).GetProperty("items").GetRawText(),
            (await client.GetJsonAsync(county.Path($"star-ratings?period={month}"))).GetProperty("items").GetRawText(),
            (await client.GetJsonAsync(county.Path($"coverage?period={quarter}"))).GetProperty("units").GetRawText(),
            await Count("SELECT count(*) FROM inbox_messages WHERE consumer LIKE 'service-record:%'"));
    }

    internal static void AssertRates(Expected.Rates expected, JsonElement row)
    {
        var rates = row.GetProperty("rates").Deserialize<Expected.Rates>(Json)!;
        Assert.Equal(expected, rates);
    }
}
