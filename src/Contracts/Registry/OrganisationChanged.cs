namespace Platform.Contracts.Registry;

/// <summary>A party organisation changed: a unit's (机关/企业/事业单位), a community's or village's, a grid branch or an alliance committee (大党委).</summary>
/// <param name="Kind">government_unit, enterprise, institution, community, village, grid_branch or alliance.</param>
/// <param name="AreaId">The community, village or grid it serves; null for a unit organisation.</param>
/// <param name="MemberOrganisationIds">For an alliance: the organisations (from different units) it joins.</param>
/// <param name="Officers">Its office holders (secretary, deputy secretary, committee members).</param>
public sealed record OrganisationChanged(
    Guid CountyId,
    Guid OrganisationId,
    int Version,
    string Change,
    string Code,
    string Name,
    string Kind,
    Guid? AreaId,
    IReadOnlyList<Guid> MemberOrganisationIds,
    IReadOnlyList<OrganisationOfficer> Officers,
    DateTimeOffset? RetiredAt,
    DateTimeOffset ChangedAt) : ICountyMessage;

/// <summary>A member holding a role in an organisation: secretary, deputy_secretary or committee_member.</summary>
public sealed record OrganisationOfficer(Guid MemberId, string Role);
