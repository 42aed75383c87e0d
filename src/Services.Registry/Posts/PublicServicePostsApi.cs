namespace Platform.Registry.Posts;

public static class PublicServicePostsApi
{
    public static RouteGroupBuilder MapPublicServicePostsApi(this RouteGroupBuilder county) => county;
}
