using Platform.Dispatch.Activities;
using Platform.Dispatch.Operations;

namespace Platform.UnitTests;

/// <summary>A county's calendar: its reporting week, the service an attendance earns by its days, and where its today begins.</summary>
public sealed class ActivityCalendarTests
{
    private static readonly ActivityCalendar Shanghai = new(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));

    [Theory]
    // February 2027 begins on a Monday: its fourth Monday is the 22nd, that week's Friday the 26th.
    [InlineData("2027-02-01", 4, DayOfWeek.Friday, "2027-02-22", "2027-02-26")]
    // June 2027's fourth Monday is the 28th, whose Friday is 2 July: the week before.
    [InlineData("2027-06-01", 4, DayOfWeek.Friday, "2027-06-21", "2027-06-25")]
    [InlineData("2027-06-01", 5, DayOfWeek.Monday, "2027-06-21", "2027-06-21")]
    // July 2026's fourth Monday is the 27th: its Friday is the 31st, its Sunday 2 August.
    [InlineData("2026-07-01", 4, DayOfWeek.Friday, "2026-07-27", "2026-07-31")]
    [InlineData("2026-07-01", 4, DayOfWeek.Sunday, "2026-07-20", "2026-07-26")]
    // March 2026 begins on a Sunday: its second Monday is the 9th.
    [InlineData("2026-03-01", 2, DayOfWeek.Friday, "2026-03-09", "2026-03-13")]
    public void The_reporting_weeks_working_days_and_themed_day_lie_in_its_month(string month, int week, DayOfWeek themedDay, string monday, string themed)
    {
        var (start, day) = ActivityCalendar.ReportingWeek(DateOnly.Parse(month), week, themedDay);

        Assert.Equal((DateOnly.Parse(monday), DateOnly.Parse(themed)), (start, day));
    }

    [Fact]
    public void Every_reporting_week_of_every_rule_keeps_its_working_days_in_the_month()
    {
        for (var month = new DateOnly(2026, 1, 1); month.Year < 2036; month = month.AddMonths(1))
        {
            for (var week = 1; week <= 4; week++)
            {
                foreach (var themedDay in Enum.GetValues<DayOfWeek>())
                {
                    var (monday, day) = ActivityCalendar.ReportingWeek(month, week, themedDay);
                    Assert.Equal(DayOfWeek.Monday, monday.DayOfWeek);
                    Assert.Equal(themedDay, day.DayOfWeek);
                    Assert.All(new[] { monday, monday.AddDays(4), day }, d => Assert.Equal((month.Year, month.Month), (d.Year, d.Month)));
                }
            }
        }
    }

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
