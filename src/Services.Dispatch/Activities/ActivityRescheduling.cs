using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Dispatch;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Activities;

/// <summary>Announces moved activities (<see cref="ActivityRescheduled"/>), with the members signed up for each (as a cancellation does).</summary>
public static class ActivityRescheduling
{
    public const string ByStaff = "staff";
    public const string ByRules = "rules";

    /// <summary>The members signed up (sign-ups not cancelled) for each of these activities, in the order they signed up.</summary>
    public static async Task<ILookup<Guid, Guid>> SignedUpAsync(DispatchDbContext db, IReadOnlyCollection<Guid> activityIds, CancellationToken cancellationToken) =>
        (await db.ActivitySignUps.AsNoTracking().Where(s => activityIds.Contains(s.ActivityId) && s.CancelledAt == null)
            .OrderBy(s => s.SignedUpAt).ThenBy(s => s.Id).Select(s => new { s.ActivityId, s.MemberId }).ToListAsync(cancellationToken))
        .ToLookup(s => s.ActivityId, s => s.MemberId);

    /// <summary>Publishes, through the outbox of the change that moved them, one event per activity moved (tracked, not yet saved).</summary>
    public static async Task AnnounceAsync(
        DispatchDbContext db, IReadOnlyList<(Activity Activity, DateTimeOffset PreviousStartsAt, DateTimeOffset PreviousEndsAt)> moves, string by,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (moves.Count == 0)
        {
            return;
        }
        var signedUp = await SignedUpAsync(db, [.. moves.Select(m => m.Activity.Id)], cancellationToken);
        foreach (var (activity, previousStartsAt, previousEndsAt) in moves)
        {
            db.Outbox.Publish(new ActivityRescheduled(activity.CountyId, activity.Id, Wire.Of(activity.Kind), activity.CommunityId, activity.Title,
                previousStartsAt, previousEndsAt, activity.StartsAt, activity.EndsAt, by, [.. signedUp[activity.Id]], db.Advance(activity), now));
        }
    }
}
