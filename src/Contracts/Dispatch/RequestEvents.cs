namespace Platform.Contracts.Dispatch;

/// <summary>
/// A resident's request as it stands after a transition: every request event carries it, so a
/// consumer can compute response, resolution, satisfaction and on-time rates from any one event
/// without asking Dispatch. <see cref="Version"/> orders the events of one request.
/// </summary>
/// <param name="Status">placed, assigned, pooled, claimed, in_progress, completed, closed or cancelled.</param>
/// <param name="Tier">simple, ordinary or complex once triaged; null before.</param>
/// <param name="Channel">resident_app, member_visit, hotline, on_site or open311.</param>
/// <param name="StreetId">The street or township above the request's community.</param>
/// <param name="RespondedAt">The first response: claimed, accepted or answered.</param>
/// <param name="AssigneeMemberIds">The members who hold it now (several for a joint claim).</param>
/// <param name="EscalationLevel">none, community, street or county: how far up it has climbed.</param>
public sealed record RequestFacts(
    Guid RequestId,
    int Version,
    string Status,
    string Category,
    string? Tier,
    bool IsMicroWish,
    string Channel,
    Guid CommunityId,
    Guid? GridId,
    Guid? StreetId,
    DateTimeOffset PlacedAt,
    DateTimeOffset? ResponseDueAt,
    DateTimeOffset? CompletionDueAt,
    DateTimeOffset? RespondedAt,
    DateTimeOffset? CompletedAt,
    Guid? AssigneeUnitId,
    IReadOnlyList<Guid> AssigneeMemberIds,
    int ReopenCount,
    string EscalationLevel);

/// <summary>A resident placed a request (点单), through an integrator, a member's home visit or community staff.</summary>
public sealed record RequestPlaced(Guid CountyId, RequestFacts Request, DateTimeOffset PlacedAt) : ICountyMessage;

/// <summary>The community triaged the request and dispatched it (派单) to a member, a unit or the claim pool.</summary>
/// <param name="Mode">member, unit, pool or answered (a simple request answered at once).</param>
public sealed record RequestDispatched(Guid CountyId, RequestFacts Request, string Mode, Guid? MemberId, Guid? UnitId, DateTimeOffset DispatchedAt) : ICountyMessage;

/// <summary>A member claimed the request from the pool, or the named assignee accepted it (接单/领单).</summary>
public sealed record RequestClaimed(Guid CountyId, RequestFacts Request, Guid? MemberId, Guid? UnitId, bool Joint, DateTimeOffset ClaimedAt) : ICountyMessage;

/// <summary>A holder let the request go: handed back, declined, or a claim not started in time.</summary>
/// <param name="Reason">handed_back, declined or claim_expired.</param>
public sealed record RequestReleased(Guid CountyId, RequestFacts Request, Guid? MemberId, Guid? UnitId, string Reason, string? Note, DateTimeOffset ReleasedAt) : ICountyMessage;

/// <summary>The holder finished the work (办结) and recorded the result; the return visit follows.</summary>
public sealed record RequestCompleted(Guid CountyId, RequestFacts Request, string Result, bool OnTime, DateTimeOffset CompletedAt) : ICountyMessage;

/// <summary>The resident (or staff on the resident's behalf) rated the result at the return visit (回访).</summary>
/// <param name="Satisfaction">satisfied, basically_satisfied or dissatisfied.</param>
/// <param name="Resolved">Whether the matter was actually fixed; closed is not resolved.</param>
public sealed record RequestRated(Guid CountyId, RequestFacts Request, string Satisfaction, bool Resolved, string? Comment, DateTimeOffset RatedAt) : ICountyMessage;

/// <summary>A completed or closed request went back to work: dissatisfied, or not actually fixed.</summary>
public sealed record RequestReopened(Guid CountyId, RequestFacts Request, string Reason, DateTimeOffset ReopenedAt) : ICountyMessage;

/// <summary>A deadline passed unmet (监单).</summary>
/// <param name="Deadline">response or completion.</param>
public sealed record RequestOverdue(Guid CountyId, RequestFacts Request, string Deadline, DateTimeOffset DueAt, DateTimeOffset DetectedAt) : ICountyMessage;

/// <summary>A deadline is near and the request is not there yet: the holder and the community are reminded.</summary>
public sealed record RequestDeadlineApproaching(Guid CountyId, RequestFacts Request, string Deadline, DateTimeOffset DueAt, DateTimeOffset RemindedAt) : ICountyMessage;

/// <summary>The request climbed one level (grid → community → street/township → county) and that level must respond by <see cref="RespondBy"/>.</summary>
/// <param name="Reason">response_overdue, completion_overdue, complex, unanswered or manual.</param>
public sealed record RequestEscalated(
    Guid CountyId, RequestFacts Request, Guid EscalationId, string Level, Guid? AreaId, string Reason, DateTimeOffset RespondBy, DateTimeOffset EscalatedAt) : ICountyMessage;

/// <summary>An extension of the completion deadline was approved.</summary>
public sealed record RequestExtended(Guid CountyId, RequestFacts Request, DateTimeOffset PreviousDueAt, DateTimeOffset NewDueAt, DateTimeOffset ApprovedAt) : ICountyMessage;

/// <summary>The request was withdrawn or dropped before work began (e.g. a duplicate).</summary>
public sealed record RequestCancelled(Guid CountyId, RequestFacts Request, string Reason, Guid? DuplicateOf, DateTimeOffset CancelledAt) : ICountyMessage;

/// <summary>
/// A community or street blew the whistle (吹哨) on a unit or department, or the whistled party
/// acknowledged or reported (报到), or a limit passed.
/// </summary>
/// <param name="Status">blown, acknowledged or reported.</param>
/// <param name="Change">blown, acknowledged, reported, acknowledge_overdue or report_overdue.</param>
public sealed record WhistleChanged(
    Guid CountyId,
    Guid WhistleId,
    int Version,
    string Change,
    Guid? RequestId,
    string Level,
    Guid AreaId,
    Guid UnitId,
    string Status,
    DateTimeOffset BlownAt,
    DateTimeOffset AcknowledgeBy,
    DateTimeOffset ReportBy,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ReportedAt,
    bool Overdue,
    DateTimeOffset ChangedAt) : ICountyMessage;
