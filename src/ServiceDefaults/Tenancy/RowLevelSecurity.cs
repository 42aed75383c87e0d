namespace Platform.ServiceDefaults.Tenancy;

/// <summary>
/// Row-level security below the ORM. Migrations call the SQL function
/// <c>platform_enable_tenant_isolation('table')</c> (installed by the platform's first migration),
/// which enables and forces RLS with a policy on <c>county_id = app_current_county()</c>; the
/// connection's session is told its county by <see cref="TenantDbInterceptor"/>.
/// </summary>
public static class RowLevelSecurity
{
    /// <summary>The PostgreSQL setting that carries the county id (DESIGN.md §4).</summary>
    public const string Setting = "app.tenant_id";

    /// <summary>The statement a migration runs to isolate one tenant-scoped table.</summary>
    public static string EnableFor(string table) => $"SELECT platform_enable_tenant_isolation('{table}');";
}
