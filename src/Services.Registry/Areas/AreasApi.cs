namespace Platform.Registry.Areas;

public static class AreasApi
{
    public static RouteGroupBuilder MapAreasApi(this RouteGroupBuilder county) => county;
}
