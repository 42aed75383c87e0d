namespace Platform.Registry.Pairings;

public static class PairingsApi
{
    public static RouteGroupBuilder MapPairingsApi(this RouteGroupBuilder county) => county;
}
