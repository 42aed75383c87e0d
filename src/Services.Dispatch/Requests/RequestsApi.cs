namespace Platform.Dispatch.Requests;

public static class RequestsApi
{
    public static RouteGroupBuilder MapRequestsApi(this RouteGroupBuilder county) => county;
}
