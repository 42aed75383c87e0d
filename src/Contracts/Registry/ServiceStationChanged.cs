namespace Platform.Contracts.Registry;

/// <summary>A contact point / service station (党群服务站) of a community or grid changed.</summary>
public sealed record ServiceStationChanged(
    Guid CountyId,
    Guid StationId,
    int Version,
    string Change,
    string Name,
    Guid AreaId,
    string? Address,
    string? Phone,
    string? OpeningHours,
    DateTimeOffset? RetiredAt,
    DateTimeOffset ChangedAt) : ICountyMessage;
