namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// A row that belongs to one county. The context filters reads by it and stamps it on inserts; the
/// table's row-level security policy (see <see cref="RowLevelSecurity"/>) enforces it again.
/// </summary>
public interface ITenantScoped
{
    Guid CountyId { get; set; }
}
