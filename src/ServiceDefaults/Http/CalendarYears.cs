namespace Platform.ServiceDefaults.Http;

/// <summary>
/// The years a county's calendar takes, in every service (activities, pairings, evaluation periods):
/// a date outside them is a typing error, refused before any arithmetic on it.
/// </summary>
public static class CalendarYears
{
    public const int First = 2000;
    public const int Last = 2999;

    /// <summary>"2000 to 2999", for the rules' messages.</summary>
    public const string Text = "2000 to 2999";

    public static bool Contains(int year) => year is >= First and <= Last;
}
