using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch.Activities;

/// <summary>The answers activities, attendance and monthly lists share: not found, a reference that does not hold, a state that forbids the change.</summary>
public static class ActivityProblems
{
    public static ProblemHttpResult NotFound(string resource, Guid id) => Problems.ResourceNotFound(resource, id);

    /// <summary>422: the body names an id that does not exist in this county.</summary>
    public static ProblemHttpResult MissingReference(string field, string what, Guid id) => Problems.MissingReference(field, what, id);

    /// <summary>422: the id exists but cannot be used here (wrong kind or level, retired, left ...).</summary>
    public static ProblemHttpResult InvalidReference(string field, string rule) => Problems.InvalidReference(field, rule);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) => Problems.Conflict(code, detail, field);

    /// <summary>409 for a change the activity's status forbids; the detail names the status it is in.</summary>
    public static ProblemHttpResult ActivityState(string code, Activity activity, string what) =>
        Problems.Conflict(code, $"The activity is {Wire.Of(activity.Status)}; {what}.");
}

/// <summary>Checks of the ids a body names against Dispatch's copies of Registry's records.</summary>
internal static class ReplicaReferences
{
    public static readonly string[] CommunityLevels = ["community", "village"];
    public static readonly string[] UnitKinds = ["government_unit", "enterprise", "institution"];

    public static async Task<ProblemHttpResult?> CheckCommunityAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var area = await db.Set<ReplicaArea>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (area is null)
        {
            return ActivityProblems.MissingReference(field, "community", id);
        }
        if (!CommunityLevels.Contains(area.Level))
        {
            return ActivityProblems.InvalidReference(field, $"names a {area.Level}, not a community or village");
        }
        return area.RetiredAt is null ? null : ActivityProblems.InvalidReference(field, "names a retired community");
    }

    public static async Task<ProblemHttpResult?> CheckUnitAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var organisation = await db.Set<ReplicaOrganisation>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organisation is null)
        {
            return ActivityProblems.MissingReference(field, "unit organisation", id);
        }
        if (!organisation.IsUnit)
        {
            return ActivityProblems.InvalidReference(field, "names a party organisation that is not a unit (government unit, enterprise or institution)");
        }
        return organisation.RetiredAt is null ? null : ActivityProblems.InvalidReference(field, "names a retired organisation");
    }

    /// <summary>The member when they exist in this county and are active; else the problem to answer.</summary>
    public static async Task<(ReplicaMember?, ProblemHttpResult?)> FindActiveMemberAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var member = await db.Set<ReplicaMember>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (member is null)
        {
            return (null, ActivityProblems.MissingReference(field, "member", id));
        }
        return member.IsActive ? (member, null) : (null, ActivityProblems.InvalidReference(field, "names a member who has left"));
    }
}
