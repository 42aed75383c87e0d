namespace Platform.Registry.Teams;

public static class VolunteerTeamsApi
{
    public static RouteGroupBuilder MapVolunteerTeamsApi(this RouteGroupBuilder county) => county;
}
