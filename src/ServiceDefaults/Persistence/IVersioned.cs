namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// A record updated under optimistic concurrency: <see cref="Version"/> starts at 1, goes up by one
/// on every saved change (the context does it), and is the concurrency token, so a save based on a
/// stale read fails instead of overwriting. Clients see it as the ETag and send it back in If-Match.
/// </summary>
public interface IVersioned
{
    int Version { get; set; }
}
