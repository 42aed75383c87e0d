using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Http;

namespace Platform.Dispatch;

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
            return Problems.MissingReference(field, "community", id);
        }
        if (!CommunityLevels.Contains(area.Level))
        {
            return Problems.InvalidReference(field, $"names a {area.Level}, not a community or village");
        }
        return area.RetiredAt is null ? null : Problems.InvalidReference(field, "names a retired community");
    }

    public static async Task<ProblemHttpResult?> CheckUnitAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var organisation = await db.Set<ReplicaOrganisation>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organisation is null)
        {
            return Problems.MissingReference(field, "unit organisation", id);
        }
        if (!organisation.IsUnit)
        {
            return Problems.InvalidReference(field, "names a party organisation that is not a unit (government unit, enterprise or institution)");
        }
        return organisation.RetiredAt is null ? null : Problems.InvalidReference(field, "names a retired organisation");
    }

    /// <summary>The member when they exist in this county and are active; else the problem to answer.</summary>
    public static async Task<(ReplicaMember?, ProblemHttpResult?)> FindActiveMemberAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var member = await db.Set<ReplicaMember>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (member is null)
        {
            return (null, Problems.MissingReference(field, "member", id));
        }
        return member.IsActive ? (member, null) : (null, Problems.InvalidReference(field, "names a member who has left"));
    }
}
