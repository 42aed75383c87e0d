using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;
using Platform.Dispatch;
using Platform.Dispatch.Activities;
using Platform.IntegrationTests.Support;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;
using static Platform.IntegrationTests.Dispatch.ActivityTestSupport;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>Activities through the gateway: monthly generation from the county's rules, the lifecycle, bad input and tenant isolation.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ActivitiesTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Generation_makes_each_communitys_reporting_week_and_themed_day_by_the_countys_rule_once()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);

        // March 2026 begins on a Sunday: its second Monday is the 9th, that week's Friday the 13th (Shanghai, UTC+8).
        var first = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2026-03" })).OkAsync();
        Assert.Equal(4, first.GetProperty("created").GetInt32());
        var activities = first.GetProperty("activities").EnumerateArray().ToList();
        Assert.Equal(4, activities.Count);
        foreach (var community in new[] { county.Community1, county.Community2 })
        {
            var week = activities.Single(a => a.GetProperty("communityId").GetGuid() == community.Id && a.GetProperty("kind").GetString() == "reporting_week");
            Assert.Equal(DateTimeOffset.Parse("2026-03-08T16:00:00Z"), week.GetProperty("startsAt").GetDateTimeOffset());
            Assert.Equal(DateTimeOffset.Parse("2026-03-15T16:00:00Z"), week.GetProperty("endsAt").GetDateTimeOffset());
            Assert.Equal("2026年3月集中报到周", week.GetProperty("title").GetString());
            Assert.Equal(community.Name, week.GetProperty("place").GetString());
            Assert.Equal("planned", week.GetProperty("status").GetString());
            Assert.Equal("2026-03", week.GetProperty("generatedFor").GetString());
            Assert.Equal(6, week.GetProperty("checkInCode").GetString()!.Length);
            var day = activities.Single(a => a.GetProperty("communityId").GetGuid() == community.Id && a.GetProperty("kind").GetString() == "themed_party_day");
            Assert.Equal(DateTimeOffset.Parse("2026-03-13T01:00:00Z"), day.GetProperty("startsAt").GetDateTimeOffset());
            Assert.Equal(DateTimeOffset.Parse("2026-03-13T04:00:00Z"), day.GetProperty("endsAt").GetDateTimeOffset());
        }

        var again = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2026-03" })).OkAsync();
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(activities.Select(a => a.Id()).Order(), again.GetProperty("activities").EnumerateArray().Select(a => a.Id()).Order());
        Assert.Equal(4, (await client.GetJsonAsync(county.Path("activities?from=2026-03-01&to=2026-03-31"))).GetProperty("total").GetInt64());

        // From mid-April the county's rule is the third week and its Thursday: May 2026 (begins on a Friday) → Monday the 18th, Thursday the 21st.
        var current = await platform.Fixture.QueryScalarAsync<string>(platform.Databases["dispatch"].Name,
            $"SELECT settings::text FROM registry_county_settings WHERE county_id = '{county.CountyId}' AND version = 1");
        var settings = JsonSerializer.Deserialize<CountySettings>(current, JsonSerializerOptions.Web)!;
        await AddReplicasAsync(platform, county, new ReplicaCountySettings
        {
            CountyId = county.CountyId, Version = 2, EffectiveFrom = DateTimeOffset.Parse("2026-04-15T00:00:00+08:00").ToUniversalTime(),
            Settings = settings with { ReportingWeek = 3, ThemedDay = DayOfWeek.Thursday },
        });
        var may = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2026-05" })).OkAsync();
        Assert.Equal(4, may.GetProperty("created").GetInt32());
        var mayWeek = may.GetProperty("activities").EnumerateArray().First(a => a.GetProperty("kind").GetString() == "reporting_week");
        Assert.Equal(DateTimeOffset.Parse("2026-05-17T16:00:00Z"), mayWeek.GetProperty("startsAt").GetDateTimeOffset());
        var mayDay = may.GetProperty("activities").EnumerateArray().First(a => a.GetProperty("kind").GetString() == "themed_party_day");
        Assert.Equal(DateTimeOffset.Parse("2026-05-21T01:00:00Z"), mayDay.GetProperty("startsAt").GetDateTimeOffset());

        await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2026-13" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
        await (await client.PostJsonAsync(county.Path("activities/generate"), new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
    }

    [Fact]
    public async Task A_settings_version_Registry_withdraws_is_never_in_effect_in_Dispatch_or_Evaluation()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var settingsPath = $"/api/registry/counties/{county.Code}/settings";
        var fourthWeek = System.Text.Json.Nodes.JsonNode.Parse((await client.GetJsonAsync(settingsPath)).GetProperty("settings").GetRawText())!;
        fourthWeek["reportingWeek"] = 4;
        var (inThreeMonths, inFourMonths) = (MonthFromNow(3), MonthFromNow(4));
        var effectiveFrom = DateTimeOffset.Parse(inThreeMonths + "-01T00:00:00+08:00").AddDays(-1);
        await (await client.PutJsonAsync(settingsPath, new { settings = fourthWeek, effectiveFrom })).OkAsync();
        string[] services = ["dispatch", "evaluation"];
        async Task UntilCopiesAsync(string condition, string what)
        {
            foreach (var service in services)
            {
                await Poll.UntilAsync(
                    () => platform.Fixture.QueryScalarAsync<long>(platform.Databases[service].Name,
                        $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{county.CountyId}' AND version = 2 AND {condition}"),
                    n => n == 1, TimeSpan.FromSeconds(60), $"{service}'s copy of settings version 2 {what}");
            }
        }
        static int LocalDay(JsonElement generated) => generated.GetProperty("activities").EnumerateArray()
            .First(a => a.GetProperty("kind").GetString() == "reporting_week").GetProperty("startsAt").GetDateTimeOffset().ToOffset(TimeSpan.FromHours(8)).Day;

        // While it stands, version 2 rules its months: the fourth week's Monday falls on the 22nd to the 28th
        // (or a week earlier, when that week's Friday would be in the next month).
        await UntilCopiesAsync("withdrawn_at IS NULL", "to arrive");
        var before = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = inFourMonths })).OkAsync();
        Assert.InRange(LocalDay(before), 15, 28);

        await (await client.PostAsync($"{settingsPath}/versions/2/withdraw", null)).OkAsync();

        // Withdrawn, it rules none: version 1's second week (a Monday from the 8th to the 14th) stays in effect.
        await UntilCopiesAsync("withdrawn_at IS NOT NULL", "to be withdrawn");
        var after = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = inThreeMonths })).OkAsync();
        Assert.InRange(LocalDay(after), 8, 14);

        // The month generated under it followed in the same transaction as Dispatch's copy: its four
        // activities, the same ones, are in the second week already, and generating again moves nothing.
        var moved = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = inFourMonths })).OkAsync();
        Assert.Equal((0, 0), (moved.GetProperty("created").GetInt32(), moved.GetProperty("rescheduled").GetInt32()));
        Assert.InRange(LocalDay(moved), 8, 14);
        Assert.Equal(before.GetProperty("activities").EnumerateArray().Select(a => a.Id()).Order(), moved.GetProperty("activities").EnumerateArray().Select(a => a.Id()).Order());
        Assert.All(moved.GetProperty("activities").EnumerateArray(), a => Assert.Equal(2, a.GetProperty("version").GetInt32()));
    }

    [Fact]
    public async Task Generated_activities_move_when_the_countys_rules_change_unless_opened_or_given_their_times_by_hand()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var month = MonthFromNow(2);
        var generated = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month })).OkAsync();
        JsonElement Find(JsonElement answer, ReplicaArea community, string kind) => answer.GetProperty("activities").EnumerateArray()
            .Single(a => a.GetProperty("communityId").GetGuid() == community.Id && a.GetProperty("kind").GetString() == kind);
        static DateTimeOffset StartsAt(JsonElement activity) => activity.GetProperty("startsAt").GetDateTimeOffset();

        // Staff give community 1's reporting week its times by hand (a day later), retitle community 2's
        // (times unchanged), and open community 2's themed party day.
        var handSet = Find(generated, county.Community1, "reporting_week");
        var set = await (await client.PutJsonAsync(county.Path($"activities/{handSet.Id()}"),
            new { title = "集中报到周（延后一天）", startsAt = StartsAt(handSet).AddDays(1), endsAt = handSet.GetProperty("endsAt").GetDateTimeOffset().AddDays(1) })).OkAsync();
        Assert.Equal(JsonValueKind.String, set.GetProperty("scheduleSetAt").ValueKind);
        var retitled = Find(generated, county.Community2, "reporting_week");
        var renamed = await (await client.PutJsonAsync(county.Path($"activities/{retitled.Id()}"),
            new { title = "集中报到周（居民议事）", startsAt = StartsAt(retitled), endsAt = retitled.GetProperty("endsAt").GetDateTimeOffset() })).OkAsync();
        Assert.Equal(JsonValueKind.Null, renamed.GetProperty("scheduleSetAt").ValueKind);
        var opened = Find(generated, county.Community2, "themed_party_day");
        await OpenAsync(client, county, opened.Id());

        // From before the month begins the county's rule is the fourth week and its Tuesday.
        var current = await platform.Fixture.QueryScalarAsync<string>(platform.Databases["dispatch"].Name,
            $"SELECT settings::text FROM registry_county_settings WHERE county_id = '{county.CountyId}' AND version = 1");
        var settings = JsonSerializer.Deserialize<CountySettings>(current, JsonSerializerOptions.Web)!;
        var monthBegins = DateTimeOffset.Parse(month + "-01T00:00:00+08:00");
        await AddReplicasAsync(platform, county, new ReplicaCountySettings
        {
            CountyId = county.CountyId, Version = 2, EffectiveFrom = monthBegins.AddDays(-1).ToUniversalTime(),
            Settings = settings with { ReportingWeek = 4, ThemedDay = DayOfWeek.Tuesday },
        });

        var again = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month })).OkAsync();
        Assert.Equal((0, 2), (again.GetProperty("created").GetInt32(), again.GetProperty("rescheduled").GetInt32()));
        // The fourth Monday of the month, Shanghai time, and its Tuesday from 09:00 to 12:00.
        var firstMonday = Enumerable.Range(0, 7).Select(d => monthBegins.AddDays(d)).First(d => d.DayOfWeek == DayOfWeek.Monday);
        var fourthMonday = firstMonday.AddDays(21);
        if (fourthMonday.AddDays(4) >= monthBegins.AddMonths(1))
        {
            fourthMonday = fourthMonday.AddDays(-7); // its Friday would be in the next month: the week before
        }
        var movedWeek = Find(again, county.Community2, "reporting_week");
        Assert.Equal((fourthMonday, fourthMonday.AddDays(7)), (StartsAt(movedWeek), movedWeek.GetProperty("endsAt").GetDateTimeOffset()));
        Assert.Equal("集中报到周（居民议事）", movedWeek.GetProperty("title").GetString());
        var movedDay = Find(again, county.Community1, "themed_party_day");
        Assert.Equal((fourthMonday.AddDays(1).AddHours(9), fourthMonday.AddDays(1).AddHours(12)), (StartsAt(movedDay), movedDay.GetProperty("endsAt").GetDateTimeOffset()));
        // What staff decided stays: the hand-set week and the opened day keep their times.
        Assert.Equal(StartsAt(set), StartsAt(Find(again, county.Community1, "reporting_week")));
        Assert.Equal(StartsAt(opened), StartsAt(Find(again, county.Community2, "themed_party_day")));

        var settled = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month })).OkAsync();
        Assert.Equal((0, 0), (settled.GetProperty("created").GetInt32(), settled.GetProperty("rescheduled").GetInt32()));
    }

    [Fact]
    public async Task The_countys_time_zone_decides_the_dates_of_its_reporting_week()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        // Before Dispatch has answered anything of the county (it caches the county once resolved).
        await platform.Fixture.QueryScalarAsync<int>(platform.Databases["dispatch"].Name,
            $"WITH changed AS (UPDATE counties SET time_zone = 'Pacific/Auckland' WHERE id = '{county.CountyId}' RETURNING 1) SELECT count(*)::int FROM changed");

        var generated = await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2026-03" })).OkAsync();

        // Monday 9 March 2026 begins at 00:00 New Zealand daylight time (UTC+13).
        var week = generated.GetProperty("activities").EnumerateArray().First(a => a.GetProperty("kind").GetString() == "reporting_week");
        Assert.Equal(DateTimeOffset.Parse("2026-03-08T11:00:00Z"), week.GetProperty("startsAt").GetDateTimeOffset());
        var listed = await client.GetJsonAsync(county.Path("activities?kind=themed_party_day&from=2026-03-13&to=2026-03-13"));
        Assert.Equal(2, listed.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task The_hourly_generation_makes_sure_of_this_month_and_the_next_for_every_county()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        // The service's own loop, over Dispatch's database, on a clock in June 2030 (a month no other test uses).
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(new FixedClock(DateTimeOffset.Parse("2030-06-15T02:00:00Z")))
            .AddScoped<TenantContext>()
            .AddScoped<ITenantContext>(sp => sp.GetRequiredService<TenantContext>())
            .AddServiceDbContext<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString)
            .Configure<ActivityGenerationOptions>(_ => { })
            .AddSingleton<MonthlyActivityGeneration>()
            .BuildServiceProvider();
        await using var _ = services;
        var generation = services.GetRequiredService<MonthlyActivityGeneration>();

        async Task<long> GeneratedAsync() =>
            (await client.GetJsonAsync(county.Path("activities?from=2030-06-01&to=2030-07-31"))).GetProperty("total").GetInt64();
        await generation.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(GeneratedAsync, n => n == 8, TimeSpan.FromSeconds(30), "June's and July's activities of both communities");
        await generation.StopAsync(CancellationToken.None);

        // A request for the same month afterwards finds nothing missing.
        Assert.Equal(0, (await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "2030-07" })).OkAsync()).GetProperty("created").GetInt32());
        var june = await client.GetJsonAsync(county.Path($"activities?kind=reporting_week&communityId={county.Community2.Id}&from=2030-06-01&to=2030-06-30"));
        // June 2030 begins on a Saturday: its second Monday is the 10th.
        Assert.Equal(DateTimeOffset.Parse("2030-06-09T16:00:00Z"), Assert.Single(june.GetProperty("items").EnumerateArray()).GetProperty("startsAt").GetDateTimeOffset());
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task An_activity_is_planned_changed_opened_and_completed_and_refuses_what_its_status_forbids()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        await using var completed = await EventProbe<ActivityCompleted>.StartAsync(platform);
        var startsAt = DateTimeOffset.UtcNow.AddDays(3);

        var created = await CreateActivityAsync(client, county, startsAt, startsAt.AddHours(3), capacity: 10);
        var id = created.Id();
        Assert.Equal("planned", created.GetProperty("status").GetString());
        Assert.Equal("co_construction", created.GetProperty("kind").GetString());
        Assert.Null(created.GetProperty("generatedFor").GetString());

        var update = new { title = "共建文明小区：楼道清理（第二期）", place = "东门社区5号楼", startsAt, endsAt = startsAt.AddHours(4), capacity = 12, organiserUnitId = county.Unit1.Id };
        await (await client.PutJsonAsync(county.Path($"activities/{id}"), update, ifMatch: "\"7\"")).ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var updated = await (await client.PutJsonAsync(county.Path($"activities/{id}"), update, ifMatch: "\"1\"")).OkAsync();
        Assert.Equal(2, updated.GetProperty("version").GetInt32());
        Assert.Equal(county.Unit1.Id, updated.GetProperty("organiserUnitId").GetGuid());

        await (await client.PostJsonAsync(county.Path($"activities/{id}/complete"))).ProblemAsync(HttpStatusCode.Conflict, "activity_not_open");
        var code = created.GetProperty("checkInCode").GetString()!;
        var rotated = await (await client.PostJsonAsync(county.Path($"activities/{id}/check-in-code"))).OkAsync();
        Assert.NotEqual(code, rotated.GetProperty("checkInCode").GetString());
        await OpenAsync(client, county, id);
        var reopened = await (await client.PostJsonAsync(county.Path($"activities/{id}/open"))).ProblemAsync(HttpStatusCode.Conflict, "activity_not_planned");
        Assert.Contains("open", reopened.GetProperty("detail").GetString());

        var done = await (await client.PostJsonAsync(county.Path($"activities/{id}/complete"))).OkAsync();
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var closed = await (await client.PostJsonAsync(county.Path($"activities/{id}/cancel"), new { reason = "天气原因" })).ProblemAsync(HttpStatusCode.Conflict, "activity_closed");
        Assert.Contains("completed", closed.GetProperty("detail").GetString());
        await (await client.PutJsonAsync(county.Path($"activities/{id}"), update)).ProblemAsync(HttpStatusCode.Conflict, "activity_closed");
        await (await client.PostJsonAsync(county.Path($"activities/{id}/check-in-code"))).ProblemAsync(HttpStatusCode.Conflict, "activity_closed");
        var evt = await completed.WaitForAsync(e => e.ActivityId == id);
        Assert.Equal("co_construction", evt.Kind);
        Assert.Equal(0, evt.Attendees);
        Assert.Equal(county.Community1.Id, evt.CommunityId);

        var other = await CreateActivityAsync(client, county, startsAt, startsAt.AddHours(1), kind: "joint_meeting");
        var cancelled = await (await client.PostJsonAsync(county.Path($"activities/{other.Id()}/cancel"), new { reason = "天气原因" })).OkAsync();
        Assert.Equal("天气原因", cancelled.GetProperty("cancelReason").GetString());
        await (await client.PostJsonAsync(county.Path($"activities/{other.Id()}/open"))).ProblemAsync(HttpStatusCode.Conflict, "activity_closed");

        var day = startsAt.AddHours(8).ToString("yyyy-MM-dd");
        var filtered = await client.GetJsonAsync(county.Path($"activities?communityId={county.Community1.Id}&kind=co_construction&status=completed&from={day}&to={day}"));
        Assert.Equal(id, Assert.Single(filtered.GetProperty("items").EnumerateArray()).Id());
        Assert.Equal(1, (await client.GetJsonAsync(county.Path("activities?status=cancelled"))).GetProperty("total").GetInt64());
        Assert.Equal(0, (await client.GetJsonAsync(county.Path($"activities?communityId={county.Community2.Id}"))).GetProperty("total").GetInt64());
        var fetched = await client.GetJsonAsync(county.Path($"activities/{id}"));
        Assert.Equal("共建文明小区：楼道清理（第二期）", fetched.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Bad_input_names_the_field_and_unknown_ids_answer_404_or_422()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var path = county.Path("activities");
        var startsAt = DateTimeOffset.UtcNow.AddDays(1);
        var written = await Outbox.WrittenAsync(platform, "dispatch");

        await (await client.PostJsonAsync(path, new { communityId = county.Community1.Id, title = "联席会议", startsAt, endsAt = startsAt.AddHours(1) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "kind");
        await (await client.PostJsonAsync(path, new { kind = "party", communityId = county.Community1.Id, title = "联席会议", startsAt, endsAt = startsAt.AddHours(1) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "kind");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = county.Community1.Id, title = "联席会议", startsAt, endsAt = startsAt.AddHours(-1) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "endsAt");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = county.Community1.Id, title = " ", startsAt, endsAt = startsAt.AddHours(1) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "title");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = county.Community1.Id, title = "联席会议", startsAt, endsAt = startsAt.AddHours(1), capacity = 0 }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "capacity");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = Guid.NewGuid(), title = "联席会议", startsAt, endsAt = startsAt.AddHours(1) }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "communityId");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = county.Grid1.Id, title = "联席会议", startsAt, endsAt = startsAt.AddHours(1) }))
            .ProblemAsync((HttpStatusCode)422, "reference_invalid", "communityId");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = county.Community1.Id, title = "联席会议", startsAt, endsAt = startsAt.AddHours(1), organiserUnitId = county.Community1.Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "organiserUnitId");

        await (await client.GetAsync(county.Path("activities?kind=party"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "kind");
        await (await client.GetAsync(county.Path("activities?status=done"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        await (await client.GetAsync(county.Path("activities?from=2026-13-01"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "from");
        await (await client.GetAsync(county.Path("activities?from=2026-12-02&to=2026-12-01"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "to");
        // Dates outside the years a county's calendar takes are typing errors, refused before any arithmetic on them.
        await (await client.GetAsync(county.Path("activities?from=0001-01-01&to=0001-12-31"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "from");
        await (await client.GetAsync(county.Path("activities?from=2026-12-01&to=9999-12-31"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "to");
        await (await client.GetAsync(county.Path("three-failures?from=9999-12-01&to=9999-12-31&members=false"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "from");
        await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "0001-01" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
        await (await client.PostJsonAsync(county.Path("activities/generate"), new { month = "9999-12" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "month");
        await (await client.PostJsonAsync(path, new { kind = "joint_meeting", communityId = county.Community1.Id, title = "联席会议", startsAt = "9999-12-30T09:00:00+08:00", endsAt = "9999-12-30T10:00:00+08:00" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "startsAt");
        var unknown = Guid.NewGuid();
        await (await client.GetAsync(county.Path($"activities/{unknown}"))).ProblemAsync(HttpStatusCode.NotFound, "activity_not_found");
        await (await client.PostJsonAsync(county.Path($"activities/{unknown}/open"))).ProblemAsync(HttpStatusCode.NotFound, "activity_not_found");
        await (await client.GetAsync(county.Path($"attendances/{unknown}"))).ProblemAsync(HttpStatusCode.NotFound, "attendance_not_found");
        await (await client.GetAsync(county.Path("three-failures?to=2026-12-31"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "from");
        await (await client.GetAsync(county.Path("three-failures?from=2026-12-31&to=2026-12-01"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "to");
        await (await client.GetAsync(county.Path("three-failures?from=2026-12-01&to=2026-12-31&unitId=U01"))).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "unitId");

        Assert.Equal(written, await Outbox.WrittenAsync(platform, "dispatch"));
        Assert.Equal(0, (await client.GetJsonAsync(path)).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Every_operation_is_documented_with_a_summary_and_the_creates_with_examples()
    {
        var platform = await fixture.PlatformAsync();
        using var client = new HttpClient { BaseAddress = new Uri(platform.Urls["dispatch"]) };

        var paths = (await client.GetJsonAsync("/openapi/v1.json")).GetProperty("paths");

        string[] prefixes = ["/activities", "/attendances", "/three-failures", "/monthly-lists"];
        var operations = paths.EnumerateObject()
            .Where(p => prefixes.Any(prefix => p.Name.StartsWith("/api/dispatch/counties/{county}" + prefix, StringComparison.Ordinal)))
            .SelectMany(p => p.Value.EnumerateObject().Select(op => (Path: p.Name, Method: op.Name, Operation: op.Value)))
            .ToList();
        Assert.True(operations.Count >= 25, $"only {operations.Count} operations documented");
        Assert.All(operations, op =>
        {
            Assert.True(op.Operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0, $"{op.Method} {op.Path} has no summary");
            Assert.True(op.Operation.TryGetProperty("tags", out var tags) && tags.GetArrayLength() > 0, $"{op.Method} {op.Path} has no tag");
        });
        JsonElement Example(string path) =>
            paths.GetProperty("/api/dispatch/counties/{county}" + path).GetProperty("post").GetProperty("requestBody").GetProperty("content")
                .GetProperty("application/json").GetProperty("example");
        Assert.Equal("co_construction", Example("/activities").GetProperty("kind").GetString());
        Assert.Equal("2026-12", Example("/activities/generate").GetProperty("month").GetString());
        Assert.True(Example("/activities/{id}/check-in").TryGetProperty("code", out _));
        Assert.Equal("2026-12", Example("/monthly-lists").GetProperty("month").GetString());
        Assert.Equal("request", Example("/monthly-lists/{id}/items").GetProperty("source").GetString());
    }

    [Fact]
    public async Task What_a_201_made_is_read_at_its_Location_and_not_under_another_county()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await DispatchSeed.CountyAsync(platform);
        var b = await DispatchSeed.CountyAsync(platform);
        async Task<(string Location, JsonElement Body)> CreatedAsync(string path, object body)
        {
            using var response = await client.PostJsonAsync(a.Path(path), body);
            var created = await response.OkAsync(HttpStatusCode.Created);
            return (response.Headers.Location!.OriginalString, created);
        }
        async Task FoundAsync(string location, JsonElement created)
        {
            var read = await client.GetJsonAsync(location);
            Assert.Equal(created.Id(), read.Id());
            // The same path of another county does not find it.
            using var other = await client.GetAsync(location.Replace($"/counties/{a.Code}/", $"/counties/{b.Code}/", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        var startsAt = DateTimeOffset.UtcNow.AddDays(2);
        var activity = await CreateActivityAsync(client, a, startsAt, startsAt.AddHours(2));
        var (signUpAt, signUp) = await CreatedAsync($"activities/{activity.Id()}/sign-ups", new { memberId = a.Members[0].Id });
        Assert.Equal(a.Path($"activities/{activity.Id()}/sign-ups/{signUp.Id()}"), signUpAt);
        await FoundAsync(signUpAt, signUp);
        Assert.Equal("张伟", (await client.GetJsonAsync(signUpAt)).GetProperty("memberName").GetString());
        await (await client.PostJsonAsync($"{signUpAt}/cancel")).OkAsync();
        Assert.NotEqual(JsonValueKind.Null, (await client.GetJsonAsync(signUpAt)).GetProperty("cancelledAt").ValueKind);
        await (await client.GetAsync(a.Path($"activities/{activity.Id()}/sign-ups/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "sign_up_not_found");
        await (await client.GetAsync(a.Path($"activities/{Guid.NewGuid()}/sign-ups/{signUp.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "activity_not_found");

        var list = await (await client.PostJsonAsync(a.Path("monthly-lists"), new { communityId = a.Community1.Id, month = MonthFromNow(1) })).OkAsync(HttpStatusCode.Created);
        var (itemAt, item) = await CreatedAsync($"monthly-lists/{list.Id()}/items", new { title = "独居老人助餐", category = "助老服务", source = "manual" });
        Assert.Equal(a.Path($"monthly-lists/{list.Id()}/items/{item.Id()}"), itemAt);
        await FoundAsync(itemAt, item);
        using (var read = await client.GetAsync(itemAt))
        {
            Assert.Equal("unclaimed", (await read.OkAsync()).GetProperty("status").GetString());
            Assert.Equal($"\"{item.GetProperty("version").GetInt32()}\"", read.Headers.ETag?.Tag);
        }
        await (await client.GetAsync(a.Path($"monthly-lists/{list.Id()}/items/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_item_not_found");
        await (await client.GetAsync(a.Path($"monthly-lists/{Guid.NewGuid()}/items/{item.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_not_found");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(itemAt)).StatusCode);
        await (await client.GetAsync(itemAt)).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_item_not_found");

        var steps = new RequestSteps(client, a);
        var request = await steps.InProgressWithAsync(a.Members[0].Id);
        var due = (await steps.GetAsync(request)).GetProperty("completionDueAt").GetDateTimeOffset();
        var (extensionAt, extension) = await CreatedAsync($"requests/{request}/extensions", new { memberId = a.Members[0].Id, proposedDueAt = due.AddDays(2), reason = "配件缺货" });
        Assert.Equal(a.Path($"requests/{request}/extensions/{extension.Id()}"), extensionAt);
        await FoundAsync(extensionAt, extension);
        Assert.Equal("pending", (await client.GetJsonAsync(extensionAt)).GetProperty("status").GetString());
        await (await client.GetAsync(a.Path($"requests/{request}/extensions/{Guid.NewGuid()}"))).ProblemAsync(HttpStatusCode.NotFound, "extension_not_found");
        await (await client.GetAsync(a.Path($"requests/{Guid.NewGuid()}/extensions/{extension.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "request_not_found");
    }

    [Fact]
    public async Task Nothing_of_county_A_is_reachable_or_listed_under_county_B()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var a = await DispatchSeed.CountyAsync(platform);
        var b = await DispatchSeed.CountyAsync(platform);
        var month = MonthFromNow(2);
        await (await client.PostJsonAsync(a.Path("activities/generate"), new { month })).OkAsync();
        // Going on now, so that staff check members in.
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-30);
        var activity = await CreateActivityAsync(client, a, startsAt, startsAt.AddHours(2));
        await OpenAsync(client, a, activity.Id());
        await (await client.PostJsonAsync(a.Path($"activities/{activity.Id()}/sign-ups"), new { memberId = a.Members[0].Id })).OkAsync(HttpStatusCode.Created);
        var attendance = await (await client.PostJsonAsync(a.Path($"activities/{activity.Id()}/check-in"), new { memberId = a.Members[0].Id, byStaff = "李明" }))
            .OkAsync(HttpStatusCode.Created);
        var list = await (await client.PostJsonAsync(a.Path("monthly-lists"), new { communityId = a.Community1.Id, month })).OkAsync(HttpStatusCode.Created);

        await (await client.GetAsync(b.Path($"activities/{activity.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "activity_not_found");
        await (await client.PostJsonAsync(b.Path($"activities/{activity.Id()}/complete"))).ProblemAsync(HttpStatusCode.NotFound, "activity_not_found");
        await (await client.PostJsonAsync(b.Path($"activities/{activity.Id()}/check-in"), new { memberId = a.Members[1].Id, byStaff = "李明" }))
            .ProblemAsync(HttpStatusCode.NotFound, "activity_not_found");
        await (await client.GetAsync(b.Path($"attendances/{attendance.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "attendance_not_found");
        await (await client.PostJsonAsync(b.Path($"attendances/{attendance.Id()}/outcome"), new { text = "清理楼道" })).ProblemAsync(HttpStatusCode.NotFound, "attendance_not_found");
        await (await client.GetAsync(b.Path($"monthly-lists/{list.Id()}"))).ProblemAsync(HttpStatusCode.NotFound, "monthly_list_not_found");
        // B's own activity does not admit A's members.
        var bActivity = await CreateActivityAsync(client, b, startsAt, startsAt.AddHours(2));
        await (await client.PostJsonAsync(b.Path($"activities/{bActivity.Id()}/sign-ups"), new { memberId = a.Members[0].Id }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "memberId");
        await (await client.PostJsonAsync(b.Path("monthly-lists"), new { communityId = a.Community1.Id, month }))
            .ProblemAsync((HttpStatusCode)422, "reference_not_found", "communityId");

        string[] empty =
        [
            $"activities?communityId={a.Community1.Id}", $"attendances?memberId={a.Members[0].Id}", $"attendances?activityId={activity.Id()}",
            $"monthly-lists?communityId={a.Community1.Id}", "monthly-lists", "attendances",
        ];
        foreach (var query in empty)
        {
            var page = await client.GetJsonAsync(b.Path(query));
            Assert.True(page.GetProperty("total").GetInt64() == 0, $"B's {query} shows {page}");
        }
        Assert.Equal(1, (await client.GetJsonAsync(b.Path("activities"))).GetProperty("total").GetInt64());
        var (from, to) = Days(month);
        var failures = await client.GetJsonAsync(b.Path($"three-failures?from={from}&to={to}&unitId={a.Unit1.Id}"));
        Assert.Equal(0, failures.GetProperty("county").GetProperty("members").GetInt32());
        Assert.DoesNotContain(a.Unit1.Id.ToString(), (await client.GetJsonAsync(b.Path($"three-failures?from={from}&to={to}"))).ToString());

        // And A still sees its own.
        Assert.Equal(5, (await client.GetJsonAsync(a.Path("activities"))).GetProperty("total").GetInt64());
    }
}
