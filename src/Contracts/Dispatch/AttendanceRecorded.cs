namespace Platform.Contracts.Dispatch;

/// <summary>
/// A member's attendance (到场) at an activity changed: checked in, checked out (with the service
/// minutes it earned) or an outcome recorded — what separates being there (到) from doing (干).
/// Carries the attendance as it now stands; Evaluation keeps the service record from it.
/// </summary>
/// <param name="ActivityKind">reporting_week, themed_party_day, co_construction, livelihood_task, joint_meeting or volunteer_service.</param>
/// <param name="UnitId">The member's unit organisation when they checked in.</param>
/// <param name="ServiceMinutes">The time from check-in to check-out within the activity's times, at most 8 hours on each day of the county's calendar; 0 until checked out.</param>
/// <param name="Change">checked_in, checked_out or outcome_recorded.</param>
/// <param name="Version">The attendance's version after the change (0 in events made before it was carried).</param>
public sealed record AttendanceRecorded(
    Guid CountyId,
    Guid AttendanceId,
    Guid ActivityId,
    string ActivityKind,
    Guid CommunityId,
    Guid MemberId,
    Guid? UnitId,
    DateTimeOffset CheckedInAt,
    DateTimeOffset? CheckedOutAt,
    int ServiceMinutes,
    bool HasOutcome,
    string Change,
    DateTimeOffset RecordedAt,
    int Version = 0) : ICountyMessage;

/// <summary>The <see cref="AttendanceRecorded.Change"/> values.</summary>
public static class AttendanceChange
{
    public const string CheckedIn = "checked_in";
    public const string CheckedOut = "checked_out";
    public const string OutcomeRecorded = "outcome_recorded";
}
