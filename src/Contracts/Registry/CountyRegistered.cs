namespace Platform.Contracts.Registry;

/// <summary>A county (the tenant) was registered on the platform.</summary>
/// <param name="CountyId">The tenant id every service keys the county's rows by.</param>
/// <param name="Code">The administrative division code (行政区划代码), e.g. 511621.</param>
/// <param name="Name">The county's name, e.g. 岳池县.</param>
/// <param name="TimeZone">IANA time zone that decides the county's local dates and deadlines.</param>
/// <param name="RegisteredAt">When the registration was committed (UTC).</param>
public sealed record CountyRegistered(
    Guid CountyId,
    string Code,
    string Name,
    string TimeZone,
    DateTimeOffset RegisteredAt) : ICountyMessage;
