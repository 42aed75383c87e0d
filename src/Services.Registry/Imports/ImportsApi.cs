namespace Platform.Registry.Imports;

public static class ImportsApi
{
    public static RouteGroupBuilder MapImportsApi(this RouteGroupBuilder county) => county;
}
