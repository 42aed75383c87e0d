namespace Platform.Registry.Organisations;

public static class ServiceStationsApi
{
    public static RouteGroupBuilder MapServiceStationsApi(this RouteGroupBuilder county) => county;
}
