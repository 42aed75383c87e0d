namespace Platform.Contracts.Dispatch;

/// <summary>
/// An item of a community's monthly list changed: added to the demand list (需求清单), removed,
/// claimed by a unit at the joint meeting into the service list (服务清单), or moved on in progress.
/// Carries the item as it now stands.
/// </summary>
/// <param name="Month">The list's month, yyyy-MM.</param>
/// <param name="Source">request (then <paramref name="RequestId"/> names it) or manual.</param>
/// <param name="UnitId">The unit that claimed the item; null while unclaimed.</param>
/// <param name="Status">unclaimed, planned, in_progress, done or removed.</param>
/// <param name="Change">added, removed, claimed or progressed.</param>
public sealed record MonthlyListItemChanged(
    Guid CountyId,
    Guid ItemId,
    Guid ListId,
    Guid CommunityId,
    string Month,
    string Title,
    string Category,
    string Source,
    Guid? RequestId,
    Guid? UnitId,
    string Status,
    string Change,
    int Version,
    DateTimeOffset AddedAt,
    DateTimeOffset? ClaimedAt,
    DateTimeOffset? DoneAt,
    DateTimeOffset ChangedAt) : ICountyMessage;

/// <summary>The <see cref="MonthlyListItemChanged.Change"/> values.</summary>
public static class MonthlyListItemChange
{
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Claimed = "claimed";
    public const string Progressed = "progressed";
}
