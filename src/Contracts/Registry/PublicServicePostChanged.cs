namespace Platform.Contracts.Registry;

/// <summary>A community's public-service post (公益服务岗) changed (its details or who holds it).</summary>
public sealed record PublicServicePostChanged(
    Guid CountyId,
    Guid PostId,
    int Version,
    string Change,
    string Name,
    Guid CommunityId,
    int? Capacity,
    IReadOnlyList<Guid> HolderIds,
    DateTimeOffset? RetiredAt,
    DateTimeOffset ChangedAt) : ICountyMessage;
