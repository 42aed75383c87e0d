namespace Platform.Registry.Counties;

public static class CountySettingsApi
{
    public static RouteGroupBuilder MapCountySettingsApi(this RouteGroupBuilder county) => county;
}
