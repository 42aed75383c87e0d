using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Evaluation.Periods;

/// <summary>week (ISO, Monday first), month, quarter or year.</summary>
public enum PeriodKind
{
    Week,
    Month,
    Quarter,
    Year,
}

/// <summary>
/// An evaluation period by its key — <c>2026-W10</c>, <c>2026-03</c>, <c>2026-Q1</c> or <c>2026</c> —
/// in the county's calendar: it begins at local midnight of its first day in the county's time zone.
/// Points are booked per month, so months are the unit every longer period adds up.
/// </summary>
public readonly partial record struct Period(PeriodKind Kind, int Year, int Number)
{
    /// <summary>The first year a period may name.</summary>
    public const int FirstYear = ServiceDefaults.Http.CalendarYears.First;

    /// <summary>The last year a period may name.</summary>
    public const int LastYear = ServiceDefaults.Http.CalendarYears.Last;

    public string Key => Kind switch
    {
        PeriodKind.Week => $"{Year:D4}-W{Number:D2}",
        PeriodKind.Month => $"{Year:D4}-{Number:D2}",
        PeriodKind.Quarter => $"{Year:D4}-Q{Number}",
        _ => $"{Year:D4}",
    };

    public override string ToString() => Key;

    /// <summary>The first local day of the period.</summary>
    public DateOnly FirstDay => Kind switch
    {
        PeriodKind.Week => DateOnly.FromDateTime(ISOWeek.ToDateTime(Year, Number, DayOfWeek.Monday)),
        PeriodKind.Month => new DateOnly(Year, Number, 1),
        PeriodKind.Quarter => new DateOnly(Year, (Number - 1) * 3 + 1, 1),
        _ => new DateOnly(Year, 1, 1),
    };

    /// <summary>The first local day after the period.</summary>
    public DateOnly EndDay => Kind switch
    {
        PeriodKind.Week => FirstDay.AddDays(7),
        PeriodKind.Month => FirstDay.AddMonths(1),
        PeriodKind.Quarter => FirstDay.AddMonths(3),
        _ => FirstDay.AddYears(1),
    };

    /// <summary>The months (yyyy-MM) whose points make up the period; none for a week (points are booked per month).</summary>
    public IReadOnlyList<string> Months => Kind switch
    {
        PeriodKind.Week => [],
        PeriodKind.Month => [Key],
        _ => MonthsFrom(FirstDay, Kind == PeriodKind.Quarter ? 3 : 12),
    };

    /// <summary>The quarter and year a month belongs to (and itself): a month is closed when any of them is.</summary>
    public IReadOnlyList<string> Enclosing => Kind switch
    {
        PeriodKind.Month => [Key, Quarter(Year, (Number - 1) / 3 + 1).Key, Year.ToString("D4", CultureInfo.InvariantCulture)],
        PeriodKind.Quarter => [Key, Year.ToString("D4", CultureInfo.InvariantCulture)],
        _ => [Key],
    };

    /// <summary>
    /// The closable periods inside this one, largest first: a year's quarters and months, a quarter's
    /// months. Closing the period closes them too, each with its own figures frozen at the same moment.
    /// </summary>
    public IReadOnlyList<Period> Contained
    {
        get
        {
            var (year, first) = (Year, (Number - 1) * 3 + 1);
            return Kind switch
            {
                PeriodKind.Year => [.. Enumerable.Range(1, 4).Select(q => Quarter(year, q)), .. Enumerable.Range(1, 12).Select(m => Month(year, m))],
                PeriodKind.Quarter => [.. Enumerable.Range(0, 3).Select(i => Month(year, first + i))],
                _ => [],
            };
        }
    }

    private static List<string> MonthsFrom(DateOnly first, int count) => Enumerable.Range(0, count).Select(i => MonthKey(first.AddMonths(i))).ToList();

    public bool IsClosable => Kind is PeriodKind.Month or PeriodKind.Quarter or PeriodKind.Year;

    public static Period Month(int year, int month) => new(PeriodKind.Month, year, month);

    public static Period Quarter(int year, int quarter) => new(PeriodKind.Quarter, year, quarter);

    public static Period MonthOf(DateOnly day) => Month(day.Year, day.Month);

    public static string MonthKey(DateOnly day) => $"{day.Year:D4}-{day.Month:D2}";

    public static Period QuarterOf(DateOnly day) => Quarter(day.Year, (day.Month - 1) / 3 + 1);

    public static bool TryParse(string? text, out Period period)
    {
        period = default;
        if (text is null)
        {
            return false;
        }
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }
        var year = int.Parse(match.Groups["year"].Value, CultureInfo.InvariantCulture);
        if (year is < FirstYear or > LastYear)
        {
            return false;
        }
        if (match.Groups["week"].Success)
        {
            var week = int.Parse(match.Groups["week"].Value, CultureInfo.InvariantCulture);
            period = new Period(PeriodKind.Week, year, week);
            return week >= 1 && week <= ISOWeek.GetWeeksInYear(year);
        }
        if (match.Groups["quarter"].Success)
        {
            period = Quarter(year, int.Parse(match.Groups["quarter"].Value, CultureInfo.InvariantCulture));
            return true;
        }
        if (match.Groups["month"].Success)
        {
            var month = int.Parse(match.Groups["month"].Value, CultureInfo.InvariantCulture);
            period = Month(year, month);
            return month is >= 1 and <= 12;
        }
        period = new Period(PeriodKind.Year, year, 0);
        return true;
    }

    [GeneratedRegex(@"^(?<year>[0-9]{4})(-W(?<week>[0-9]{2})|-Q(?<quarter>[1-4])|-(?<month>[0-9]{2}))?$")]
    private static partial Regex Pattern();
}

/// <summary>A period placed on the time line by the county's time zone: [From, To) in UTC.</summary>
public sealed record PeriodSpan(Period Period, DateTimeOffset From, DateTimeOffset To)
{
    public static PeriodSpan Of(Period period, TimeZoneInfo zone) =>
        new(period, CountyCalendar.StartOfDay(period.FirstDay, zone), CountyCalendar.StartOfDay(period.EndDay, zone));

    public bool Contains(DateTimeOffset moment) => moment >= From && moment < To;
}

/// <summary>Local dates of a county: which month a moment falls in, where a local day begins.</summary>
public static class CountyCalendar
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    public static TimeZoneInfo Zone(string? id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(id) ? DefaultTimeZone : id);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone);
        }
    }

    public static DateOnly LocalDay(DateTimeOffset moment, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, zone).DateTime);

    public static string MonthOf(DateTimeOffset moment, TimeZoneInfo zone) => Period.MonthKey(LocalDay(moment, zone));

    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
