using System.Text.Json.Serialization;

namespace Platform.Contracts.Registry;

/// <summary>
/// A serving party member or cadre (在职党员干部) changed: joined, updated, moved home, changed unit or
/// left. Carries what Dispatch matches requests against (skills, intentions, availability, where
/// the member lives). The phone number is not carried: it stays in Registry.
/// </summary>
/// <param name="Status">active or left.</param>
/// <param name="GridRole">The member's part in the grid's "1+1": reporting (报到党员), without_post (无职党员) or null.</param>
/// <param name="Availability">Weekly windows in the county's local time when the member can serve.</param>
/// <param name="JoinedAt">When the member was registered (null in events made before it was carried).</param>
/// <param name="LeftAt">When the member left, while <paramref name="Status"/> is left.</param>
public sealed record MemberChanged(
    Guid CountyId,
    Guid MemberId,
    int Version,
    string Change,
    string Code,
    string Name,
    Guid? UnitId,
    Guid CommunityId,
    Guid? GridId,
    IReadOnlyList<string> Skills,
    IReadOnlyList<string> Intentions,
    IReadOnlyList<AvailabilityWindow> Availability,
    bool DemonstrationHousehold,
    string? GridRole,
    string Status,
    DateTimeOffset ChangedAt,
    DateTimeOffset? JoinedAt = null,
    DateTimeOffset? LeftAt = null) : ICountyMessage;

/// <summary>A weekly window, local time of the county: e.g. Saturday 09:00–12:00.</summary>
public sealed record AvailabilityWindow([property: JsonRequired] DayOfWeek Day, [property: JsonRequired] TimeOnly From, [property: JsonRequired] TimeOnly To);
