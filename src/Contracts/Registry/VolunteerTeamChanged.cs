namespace Platform.Contracts.Registry;

/// <summary>A community's volunteer team changed (its details or its members).</summary>
/// <param name="Type">service (义工型), assistance (帮扶型), consulting (咨询型) or emergency (应急型).</param>
public sealed record VolunteerTeamChanged(
    Guid CountyId,
    Guid TeamId,
    int Version,
    string Change,
    string Name,
    string Type,
    Guid CommunityId,
    IReadOnlyList<Guid> MemberIds,
    DateTimeOffset? RetiredAt,
    DateTimeOffset ChangedAt) : ICountyMessage;
