using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Requests;

/// <summary>
/// What placing and dispatching a request look up for every call — the county's administrative tree,
/// its settings versions and its request categories — read once and kept for <see cref="MaxAge"/>.
/// These are already copies that follow Registry a moment behind; a few more seconds keep the hot
/// path to the request's own writes. A change of categories here forgets the county's entry at once.
/// </summary>
public sealed class CountyReference(TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    private readonly CountyCache<CountyView> _views = new(clock, MaxAge);

    public ValueTask<CountyView> GetAsync(DispatchDbContext db, Guid countyId, CancellationToken cancellationToken) =>
        _views.GetAsync(countyId, db, static async (db, cancellationToken) =>
        {
            var areas = await db.Areas.AsNoTracking().ToDictionaryAsync(a => a.Id, cancellationToken);
            var settings = await db.Settings.Standing().OrderByDescending(s => s.Version).ToListAsync(cancellationToken);
            var own = await db.RequestCategories.AsNoTracking().OrderBy(c => c.SortOrder).ToListAsync(cancellationToken);
            return new CountyView(areas, settings, own.Count > 0 ? own : RequestCategories.Defaults, own.Count > 0 ? own[0].Version : 0);
        }, cancellationToken);

    public void Forget(Guid countyId) => _views.Forget(countyId);
}

/// <summary>One county's tree, settings and categories as read.</summary>
public sealed class CountyView(
    Dictionary<Guid, ReplicaArea> areas, IReadOnlyList<ReplicaCountySettings> settings, IReadOnlyList<RequestCategory> categories, int categoriesVersion)
{
    public IReadOnlyList<RequestCategory> Categories { get; } = categories;

    /// <summary>The version of the county's categories (0 while it uses the defaults), their ETag.</summary>
    public int CategoriesVersion { get; } = categoriesVersion;

    public ReplicaArea? Area(Guid? id) => id is { } key && areas.TryGetValue(key, out var area) ? area : null;

    /// <summary>Whether <paramref name="area"/> lies under <paramref name="ancestorId"/>.</summary>
    public bool IsUnder(ReplicaArea area, Guid ancestorId)
    {
        var current = area;
        for (var depth = 0; depth < 8 && current?.ParentId is { } parentId; depth++)
        {
            if (parentId == ancestorId)
            {
                return true;
            }
            current = Area(parentId);
        }
        return false;
    }

    /// <summary>The settings in effect at a moment (newest version effective by then); null before any arrived.</summary>
    public CountySettings? SettingsAt(DateTimeOffset moment) => settings.FirstOrDefault(s => s.EffectiveFrom <= moment)?.Settings;
}
