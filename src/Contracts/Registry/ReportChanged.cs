namespace Platform.Contracts.Registry;

/// <summary>
/// A report (报到) changed: a unit organisation reporting to its paired community, or a member to the
/// community (and grid) of residence; pending until the community confirms it, or withdrawn.
/// </summary>
/// <param name="Kind">unit or member.</param>
/// <param name="MemberId">The reporting member (member reports only).</param>
/// <param name="UnitId">The unit organisation (for a member report, the member's unit when reporting).</param>
/// <param name="Status">pending, confirmed or withdrawn.</param>
public sealed record ReportChanged(
    Guid CountyId,
    Guid ReportId,
    int Version,
    string Change,
    string Kind,
    Guid? MemberId,
    Guid? UnitId,
    Guid CommunityId,
    Guid? GridId,
    string Status,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? WithdrawnAt,
    DateTimeOffset ChangedAt) : ICountyMessage;
