using System.Globalization;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

/// <summary>
/// A county's calendar: its time zone (default Asia/Shanghai) decides which dates are "the second
/// week" and "Friday", and where a day begins and ends.
/// </summary>
public sealed class ActivityCalendar(TimeZoneInfo zone)
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    public TimeZoneInfo Zone { get; } = zone;

    public static ActivityCalendar Of(County? county) =>
        new(TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrEmpty(county?.TimeZone) ? DefaultTimeZone : county.TimeZone));

    /// <summary>The moment a local date and time of the county is.</summary>
    public DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>Where a local day begins.</summary>
    public DateTimeOffset StartOf(DateOnly day) => At(day, TimeOnly.MinValue);

    public DateOnly DateOf(DateTimeOffset moment) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, Zone).DateTime);

    /// <summary>A moment as the county's staff read it, in the county's time with its offset: "2026-12-06 08:00 +08:00".</summary>
    public string Text(DateTimeOffset moment) => TimeZoneInfo.ConvertTime(moment, Zone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    /// <summary>The first day of the month a moment falls in, county time.</summary>
    public DateOnly MonthOf(DateTimeOffset moment)
    {
        var day = DateOf(moment);
        return new DateOnly(day.Year, day.Month, 1);
    }

    /// <summary>
    /// The reporting week (集中报到周) of a month: the week, Monday to Sunday, that begins on the
    /// month's <paramref name="week"/>th Monday; the themed day (主题党日) is <paramref name="themedDay"/>
    /// of that week. The week's working days (Monday to Friday) and its themed day lie in the month: a
    /// week that would run into the next one is the week before (June 2027's fourth Monday is the 28th,
    /// whose Friday is 2 July: its reporting week begins on the 21st).
    /// </summary>
    public static (DateOnly Monday, DateOnly ThemedDay) ReportingWeek(DateOnly month, int week, DayOfWeek themedDay)
    {
        var first = new DateOnly(month.Year, month.Month, 1);
        var last = first.AddMonths(1).AddDays(-1);
        var firstMonday = first.AddDays(((int)DayOfWeek.Monday - (int)first.DayOfWeek + 7) % 7);
        var offsetFromMonday = ((int)themedDay + 6) % 7;
        var monday = firstMonday.AddDays(7 * (Math.Clamp(week, 1, 5) - 1));
        // The first Monday falls by the 7th, so its week's days up to Sunday always lie in the month.
        while (monday.AddDays(Math.Max(4, offsetFromMonday)) > last)
        {
            monday = monday.AddDays(-7);
        }
        return (monday, monday.AddDays(offsetFromMonday));
    }

    /// <summary>The years the county's calendar takes (as Evaluation's periods): a date outside them is a typing error.</summary>
    public const int FirstYear = CalendarYears.First;
    public const int LastYear = CalendarYears.Last;

    /// <summary>"2000 to 2999", for the rules' messages.</summary>
    public const string Years = CalendarYears.Text;

    public static bool InRange(DateOnly day) => CalendarYears.Contains(day.Year);

    /// <summary>"2026-12" → 2026-12-01; false unless the text is yyyy-MM of a year from 2000 to 2999.</summary>
    public static bool TryParseMonth(string? text, out DateOnly month) =>
        DateOnly.TryParseExact((text ?? "") + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out month) && InRange(month);

    public static string MonthText(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
