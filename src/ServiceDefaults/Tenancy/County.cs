namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// A county (县), the tenant. Registry owns the record; every other service keeps a copy made from
/// <c>CountyRegistered</c>, so a county's routes resolve in each service without a call to Registry.
/// </summary>
public sealed class County
{
    public Guid Id { get; init; }

    /// <summary>Administrative division code (行政区划代码), e.g. 511621; the route key.</summary>
    public required string Code { get; init; }

    public required string Name { get; set; }

    /// <summary>IANA time zone deciding the county's dates, working days and deadlines.</summary>
    public required string TimeZone { get; set; }

    public DateTimeOffset RegisteredAt { get; init; }
}
