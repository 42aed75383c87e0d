namespace Platform.Contracts.Dispatch;

/// <summary>
/// An activity's times changed while it was planned or open: set by staff, or moved by the county's
/// rules (a generated reporting week or themed party day following a settings change). The members
/// who signed up keep their places; an integrator may tell them.
/// </summary>
/// <param name="Kind">reporting_week, themed_party_day, co_construction, livelihood_task, joint_meeting or volunteer_service.</param>
/// <param name="By">staff (a PUT of the activity) or rules (the county's settings).</param>
/// <param name="SignedUpMemberIds">The members signed up when it moved.</param>
/// <param name="Version">The activity's version after the change.</param>
public sealed record ActivityRescheduled(
    Guid CountyId,
    Guid ActivityId,
    string Kind,
    Guid CommunityId,
    string Title,
    DateTimeOffset PreviousStartsAt,
    DateTimeOffset PreviousEndsAt,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string By,
    IReadOnlyList<Guid> SignedUpMemberIds,
    int Version,
    DateTimeOffset RescheduledAt) : ICountyMessage;
