namespace Platform.Dispatch.Activities;

public static class ActivitiesApi
{
    public static RouteGroupBuilder MapActivitiesApi(this RouteGroupBuilder county) => county;
}
