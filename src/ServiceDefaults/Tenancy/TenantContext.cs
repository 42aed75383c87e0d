namespace Platform.ServiceDefaults.Tenancy;

/// <summary>The county the current request or message acts for.</summary>
public interface ITenantContext
{
    Guid? CountyId { get; }

    County? County { get; }
}

/// <summary>Scoped: set once per request (from the route) or per message (from its county id).</summary>
public sealed class TenantContext : ITenantContext
{
    public Guid? CountyId { get; private set; }

    public County? County { get; private set; }

    public void Set(County county)
    {
        EnsureUnset(county.Id);
        County = county;
        CountyId = county.Id;
    }

    public void Set(Guid countyId)
    {
        EnsureUnset(countyId);
        CountyId = countyId;
    }

    private void EnsureUnset(Guid countyId)
    {
        // One scope acts for one county; switching silently would mix tenants.
        if (CountyId is { } current && current != countyId)
        {
            throw new InvalidOperationException($"The scope already acts for county {current}.");
        }
    }
}
