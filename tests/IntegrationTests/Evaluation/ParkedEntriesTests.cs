using System.Text.Json;
using MassTransit;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>Events of a county whose registration or settings have not reached Evaluation yet wait for them, and hold up no other county.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ParkedEntriesTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Events_of_a_county_not_known_yet_wait_for_its_registration_and_settings_while_another_countys_go_on()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var known = (await Counties.RegisterAsync(client, Counties.NewCode())).GetProperty("id").GetGuid();
        var database = platform.Databases["evaluation"].Name;
        await Poll.UntilAsync(
            () => fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM registry_county_settings WHERE county_id = '{known}'"),
            n => n == 1, TimeSpan.FromSeconds(60), "evaluation's copy of the known county's settings");
        var settings = JsonSerializer.Deserialize<CountySettings>(await fixture.QueryScalarAsync<string>(database,
            $"SELECT settings::text FROM registry_county_settings WHERE county_id = '{known}'"), JsonSerializerOptions.Web)!;

        var early = Guid.NewGuid();
        var (earlyMember, knownMember) = (Guid.NewGuid(), Guid.NewGuid());
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(new Uri(fixture.AmqpUri())));
        await bus.StartAsync();
        try
        {
            // One after the other, so that they are likely to share a batch: the first county cannot be written yet.
            await bus.Publish(CheckIn(early, earlyMember));
            await bus.Publish(CheckIn(known, knownMember));

            await Poll.UntilAsync(() => PointsAsync(database, known, knownMember), p => p == 2m, TimeSpan.FromSeconds(60),
                "the known county's attendance recorded and priced");
            await Poll.UntilAsync(
                () => fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM parked_entries WHERE county_id = '{early}'"),
                n => n == 1, TimeSpan.FromSeconds(60), "the early county's attendance kept until it can be written");
            Assert.Equal(0, await fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM service_records WHERE county_id = '{early}'"));

            var now = DateTimeOffset.UtcNow;
            await bus.Publish(new CountyRegistered(early, Counties.NewCode(), "武胜县", "Asia/Shanghai", now));
            await bus.Publish(new CountySettingsChanged(early, 1, now.AddDays(-1), settings, now));
        }
        finally
        {
            await bus.StopAsync();
        }

        await Poll.UntilAsync(() => PointsAsync(database, early, earlyMember), p => p == 2m, TimeSpan.FromSeconds(60),
            "the early county's attendance written once its registration and settings arrived");
        await Poll.UntilAsync(
            () => fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM parked_entries WHERE county_id = '{early}'"),
            n => n == 0, TimeSpan.FromSeconds(30), "the parked entry removed");
        Assert.Equal(2, await fixture.QueryScalarAsync<long>(database, $"SELECT count(*) FROM service_records WHERE county_id = '{early}'"));
        Assert.Equal(2m, await fixture.QueryScalarAsync<decimal>(database,
            $"SELECT points FROM points_tallies WHERE county_id = '{early}' AND member_id = '{earlyMember}'"));
    }

    private static AttendanceRecorded CheckIn(Guid countyId, Guid memberId)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        return new AttendanceRecorded(countyId, Guid.NewGuid(), Guid.NewGuid(), "volunteer_service", Guid.NewGuid(), memberId, Guid.NewGuid(),
            at, null, 0, false, AttendanceChange.CheckedIn, at, 1);
    }

    private Task<decimal> PointsAsync(string database, Guid countyId, Guid memberId) => fixture.QueryScalarAsync<decimal>(database,
        $"SELECT COALESCE(sum(points), 0) FROM service_records WHERE county_id = '{countyId}' AND subject_id = '{memberId}'");
}
