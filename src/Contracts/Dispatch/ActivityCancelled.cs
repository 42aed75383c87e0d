namespace Platform.Contracts.Dispatch;

/// <summary>
/// An activity was cancelled: it counts as not held, so the attendances recorded at it are void.
/// Carries each of them as it stood, so that Evaluation takes back exactly what their check-ins and
/// check-outs earned (points, attendance, service time).
/// </summary>
/// <param name="Kind">reporting_week, themed_party_day, co_construction, livelihood_task, joint_meeting or volunteer_service.</param>
/// <param name="Attendances">Every attendance at the activity when it was cancelled; empty when nobody had checked in.</param>
/// <param name="Version">The activity's version once cancelled (0 in events written before it was carried).</param>
/// <param name="SignedUpMemberIds">The members signed up when it was cancelled, whom an integrator may tell (null in events written before it was carried).</param>
public sealed record ActivityCancelled(
    Guid CountyId,
    Guid ActivityId,
    string Kind,
    Guid CommunityId,
    string? Reason,
    IReadOnlyList<VoidedAttendance> Attendances,
    DateTimeOffset CancelledAt,
    int Version = 0,
    IReadOnlyList<Guid>? SignedUpMemberIds = null) : ICountyMessage;

/// <summary>An attendance voided by its activity's cancellation, as <see cref="AttendanceRecorded"/> last described it.</summary>
/// <param name="UnitId">The member's unit organisation when they checked in.</param>
/// <param name="CheckedOutAt">Null when the member had not checked out.</param>
/// <param name="ServiceMinutes">The minutes the check-out earned; 0 when not checked out.</param>
public sealed record VoidedAttendance(
    Guid AttendanceId,
    Guid MemberId,
    Guid? UnitId,
    DateTimeOffset CheckedInAt,
    DateTimeOffset? CheckedOutAt,
    int ServiceMinutes);
