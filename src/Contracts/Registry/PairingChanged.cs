namespace Platform.Contracts.Registry;

/// <summary>
/// A pairing (结对联系) between a unit organisation and a community (and some of its grids) changed,
/// with the unit's commitments in it, which Dispatch shows and tracks.
/// </summary>
public sealed record PairingChanged(
    Guid CountyId,
    Guid PairingId,
    int Version,
    string Change,
    Guid UnitId,
    Guid CommunityId,
    IReadOnlyList<Guid> GridIds,
    DateOnly StartsOn,
    DateOnly? EndsOn,
    IReadOnlyList<PairingCommitment> Commitments,
    DateTimeOffset ChangedAt) : ICountyMessage;

/// <summary>A unit's responsibility in a pairing: co_construction_project (共建项目), livelihood_task (民生实事) or joint_meeting (联席会议).</summary>
/// <param name="Status">open, done or cancelled.</param>
public sealed record PairingCommitment(Guid CommitmentId, string Kind, string Title, DateOnly? DueOn, string Status);
