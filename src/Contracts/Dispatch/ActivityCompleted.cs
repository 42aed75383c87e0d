namespace Platform.Contracts.Dispatch;

/// <summary>An activity was completed: how many members attended and the service minutes they gave in total.</summary>
/// <param name="Kind">reporting_week, themed_party_day, co_construction, livelihood_task, joint_meeting or volunteer_service.</param>
/// <param name="Version">The activity's version once completed (0 in events made before it was carried).</param>
/// <param name="Title">The activity's title (null in events made before it was carried).</param>
public sealed record ActivityCompleted(
    Guid CountyId,
    Guid ActivityId,
    string Kind,
    Guid CommunityId,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    int Attendees,
    int ServiceMinutes,
    DateTimeOffset CompletedAt,
    int Version = 0,
    string? Title = null) : ICountyMessage;
