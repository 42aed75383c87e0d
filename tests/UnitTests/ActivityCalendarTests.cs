using Platform.Dispatch.Activities;
using Platform.Dispatch.Operations;

namespace Platform.UnitTests;

/// <summary>A county's calendar: the service an attendance earns by its days, and where its today begins.</summary>
public sealed class ActivityCalendarTests
{
    private static readonly ActivityCalendar Shanghai = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));

    [Theory]
    // 09:00–12:00: arriving early and leaving late earns the activity's three hours; coming after it ended, nothing.
    [InlineData("2026-12-18T09:00", "2026-12-18T12:00", "2026-12-18T08:30", "2026-12-18T12:30", 180)]
    [InlineData("2026-12-18T09:00", "2026-12-18T12:00", "2026-12-18T11:50", "2026-12-18T18:00", 10)]
    [InlineData("2026-12-18T09:00", "2026-12-18T12:00", "2026-12-18T15:00", "2026-12-18T18:00", 0)]
    // The reporting week, Monday to Monday: in from Monday 09:00 to its end is 8 hours on each of its seven days.
    [InlineData("2026-12-14T00:00", "2026-12-21T00:00", "2026-12-14T09:00", "2026-12-21T00:00", 7 * 8 * 60)]
    [InlineData("2026-12-14T00:00", "2026-12-21T00:00", "2026-12-14T09:00", "2026-12-15T11:00", 16 * 60)]
    // An evening into the next morning: 4 hours on the first day, 10 (so 8) on the second, split at the county's midnight.
    [InlineData("2026-12-18T20:00", "2026-12-19T10:00", "2026-12-18T20:00", "2026-12-19T10:00", 12 * 60)]
    public void An_attendance_earns_its_time_within_the_activity_at_most_eight_hours_a_county_day(
        string startsAt, string endsAt, string checkedIn, string checkedOut, int minutes)
    {
        static DateTimeOffset Local(string text) => new DateTimeOffset(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromHours(8));
        var activity = new Activity { Title = "集中报到周", CheckInCode = "K7QH3M", StartsAt = Local(startsAt), EndsAt = Local(endsAt) };

        Assert.Equal(minutes, Attendance.ServiceMinutesOf(Local(checkedIn), Local(checkedOut), activity, Shanghai));
    }

    [Fact]
    public void A_countys_today_begins_at_its_midnight_on_the_day_its_clocks_move()
    {
        var newYork = new ActivityCalendar(TimeZoneInfo.FindSystemTimeZoneById("America/New_York"));

        // Noon on 8 March 2026, the day New York moves to daylight saving time at 02:00: the day began at
        // midnight standard time (UTC−5), not midnight in the offset now in force (UTC−4).
        var (today, dayStart, monthStart) = BusinessHealthApi.Today(newYork, DateTimeOffset.Parse("2026-03-08T16:00:00Z"));

        Assert.Equal(new DateOnly(2026, 3, 8), today);
        Assert.Equal(DateTimeOffset.Parse("2026-03-08T05:00:00Z"), dayStart);
        Assert.Equal(DateTimeOffset.Parse("2026-03-01T05:00:00Z"), monthStart);
        // And on the day it moves back, the day began in daylight time (UTC−4).
        Assert.Equal(DateTimeOffset.Parse("2026-11-01T04:00:00Z"), BusinessHealthApi.Today(newYork, DateTimeOffset.Parse("2026-11-01T18:00:00Z")).DayStart);
    }
}
