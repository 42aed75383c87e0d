using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Requests;

public sealed record HolderResponse(Guid MemberId, Guid? UnitId, DateTimeOffset ClaimedAt);

public sealed record DuplicateCandidate(Guid Id, string Description, string Status, DateTimeOffset PlacedAt, double Similarity);

/// <summary>A request as the API shows it; lists mask the resident's phone.</summary>
public sealed record RequestResponse(
    Guid Id, string Category, string Description, IReadOnlyList<string> Skills, Guid CommunityId, Guid? GridId, Guid? StreetId,
    string? Address, double? Latitude, double? Longitude, string? ResidentName, string? ResidentPhone, string Channel, Guid? PlacedByMemberId,
    IReadOnlyList<string> Attachments, bool IsMicroWish, string Status, string? Tier, string? DispatchMode, bool Joint, int MaxClaimants,
    Guid? AssigneeMemberId, Guid? AssigneeUnitId, IReadOnlyList<HolderResponse> Holders,
    DateTimeOffset PlacedAt, DateTimeOffset? DispatchedAt, DateTimeOffset? ResponseDueAt, DateTimeOffset? CompletionDueAt, DateTimeOffset? RespondedAt,
    DateTimeOffset? ClaimStartDueAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, string? Result, IReadOnlyList<string> ResultEvidence,
    DateTimeOffset? ClosedAt, string? Satisfaction, bool? Resolved, DateTimeOffset? RatedAt, int ReopenCount, DateTimeOffset? CancelledAt, Guid? DuplicateOf,
    DateTimeOffset? ResponseOverdueAt, DateTimeOffset? CompletionOverdueAt, bool Overdue, string EscalationLevel, int Version,
    IReadOnlyList<DuplicateCandidate>? PossibleDuplicates = null)
{
    public static RequestResponse From(ServiceRequest r, IEnumerable<RequestClaimant> holders, bool maskPhone, IReadOnlyList<DuplicateCandidate>? duplicates = null) => new(
        r.Id, r.Category, r.Description, r.Skills, r.CommunityId, r.GridId, r.StreetId, r.Address, r.Latitude, r.Longitude, r.ResidentName,
        r.ResidentPhone is { } phone && maskPhone ? PhoneMask.Mask(phone) : r.ResidentPhone, r.Channel, r.PlacedByMemberId, r.Attachments,
        r.IsMicroWish, r.Status, r.Tier, r.DispatchMode, r.Joint, r.MaxClaimants, r.AssigneeMemberId, r.AssigneeUnitId,
        holders.Where(c => c.ReleasedAt is null && c.RequestId == r.Id).OrderBy(c => c.ClaimedAt).Select(c => new HolderResponse(c.MemberId, c.UnitId, c.ClaimedAt)).ToList(),
        r.PlacedAt, r.DispatchedAt, r.ResponseDueAt, r.CompletionDueAt, r.RespondedAt, r.ClaimStartDueAt, r.StartedAt, r.CompletedAt, r.Result, r.ResultEvidence,
        r.ClosedAt, r.Satisfaction, r.Resolved, r.RatedAt, r.ReopenCount, r.CancelledAt, r.DuplicateOf, r.ResponseOverdueAt, r.CompletionOverdueAt,
        r.ResponseOverdueAt is not null || r.CompletionOverdueAt is not null, r.EscalationLevel, r.Version, duplicates);
}

public sealed record HistoryEntryResponse(
    DateTimeOffset At, string Action, string? FromStatus, string ToStatus, string ActorRole, string? ActorId, string? ActorName, string Channel,
    string? Note, IReadOnlyList<string> Evidence);

public sealed record RequestCategoryResponse(string Code, string Name, string? Description, IReadOnlyList<string> Skills);
