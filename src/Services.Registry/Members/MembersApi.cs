namespace Platform.Registry.Members;

public static class MembersApi
{
    public static RouteGroupBuilder MapMembersApi(this RouteGroupBuilder county) => county;
}
