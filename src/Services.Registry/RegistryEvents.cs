using Platform.ServiceDefaults.Http;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.Registry.Organisations;
using Platform.Registry.Pairings;
using Platform.Registry.Posts;
using Platform.Registry.Reports;
using Platform.Registry.Teams;
using AvailabilityWindow = Platform.Contracts.Registry.AvailabilityWindow;
using OrganisationOfficerEvent = Platform.Contracts.Registry.OrganisationOfficer;

namespace Platform.Registry;

/// <summary>
/// The one mapping from Registry's records to the events it publishes: the API and the import both
/// go through here, so a record reads the same on the wire whichever way it changed.
/// </summary>
public static class RegistryEvents
{
    public static AreaChanged Changed(Area area, string change, DateTimeOffset at) =>
        new(area.CountyId, area.Id, area.Version, change, area.Code, area.Name, area.Level.ToWire(), area.ParentId, area.RetiredAt, at);

    public static OrganisationChanged Changed(
        Organisation organisation, string change, DateTimeOffset at,
        IEnumerable<Guid> memberOrganisationIds, IEnumerable<Organisations.OrganisationOfficer> officers) =>
        new(organisation.CountyId, organisation.Id, organisation.Version, change, organisation.Code, organisation.Name,
            Wire.Of(organisation.Kind), organisation.AreaId,
            memberOrganisationIds.Order().ToList(),
            officers.OrderBy(o => o.Role).ThenBy(o => o.MemberId).Select(o => new OrganisationOfficerEvent(o.MemberId, Wire.Of(o.Role))).ToList(),
            organisation.RetiredAt, at);

    public static ServiceStationChanged Changed(ServiceStation station, string change, DateTimeOffset at) =>
        new(station.CountyId, station.Id, station.Version, change, station.Name, station.AreaId, station.Address, station.Phone,
            station.OpeningHours, station.RetiredAt, at);

    public static MemberChanged Changed(Member member, string change, DateTimeOffset at) =>
        new(member.CountyId, member.Id, member.Version, change, member.Code, member.Name, member.UnitId, member.CommunityId, member.GridId,
            member.Skills.ToList(), member.Intentions.ToList(), member.Availability.ToList<AvailabilityWindow>(),
            member.DemonstrationHousehold, member.GridRole is { } role ? Wire.Of(role) : null, Wire.Of(member.Status), at, member.CreatedAt, member.LeftAt);

    public static VolunteerTeamChanged Changed(VolunteerTeam team, string change, DateTimeOffset at, IEnumerable<Guid> memberIds) =>
        new(team.CountyId, team.Id, team.Version, change, team.Name, Wire.Of(team.Type), team.CommunityId, memberIds.Order().ToList(),
            team.RetiredAt, at);

    public static PublicServicePostChanged Changed(PublicServicePost post, string change, DateTimeOffset at, IEnumerable<Guid> holderIds) =>
        new(post.CountyId, post.Id, post.Version, change, post.Name, post.CommunityId, post.Capacity, holderIds.Order().ToList(),
            post.RetiredAt, at);

    public static PairingChanged Changed(
        Pairing pairing, string change, DateTimeOffset at, IEnumerable<Guid> gridIds, IEnumerable<Commitment> commitments) =>
        new(pairing.CountyId, pairing.Id, pairing.Version, change, pairing.UnitId, pairing.CommunityId, gridIds.Order().ToList(),
            pairing.StartsOn, pairing.EndsOn,
            commitments.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
                .Select(c => new PairingCommitment(c.Id, Wire.Of(c.Kind), c.Title, c.DueOn, Wire.Of(c.Status))).ToList(),
            at);

    public static ReportChanged Changed(Report report, string change, DateTimeOffset at) =>
        new(report.CountyId, report.Id, report.Version, change, Wire.Of(report.Kind), report.MemberId, report.UnitId, report.CommunityId,
            report.GridId, Wire.Of(report.Status), report.SubmittedAt, report.ConfirmedAt, report.WithdrawnAt, at);
}
