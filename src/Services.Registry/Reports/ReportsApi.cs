namespace Platform.Registry.Reports;

public static class ReportsApi
{
    public static RouteGroupBuilder MapReportsApi(this RouteGroupBuilder county) => county;
}
