namespace Platform.Contracts.Registry;

/// <summary>A node of the county's administrative tree (street/township, community/village, grid, compound) changed.</summary>
/// <param name="Level">street, township, community, village, grid or compound.</param>
/// <param name="ParentId">The node above; null for a street or township (directly under the county).</param>
/// <param name="RetiredAt">Set once the node is retired; a retired node has no active children.</param>
public sealed record AreaChanged(
    Guid CountyId,
    Guid AreaId,
    int Version,
    string Change,
    string Code,
    string Name,
    string Level,
    Guid? ParentId,
    DateTimeOffset? RetiredAt,
    DateTimeOffset ChangedAt) : ICountyMessage;
