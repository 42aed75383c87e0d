namespace Platform.Gateway.Access;

/// <summary>Configuration section <c>Gateway</c> (README: Configuration).</summary>
public sealed class GatewayAccessOptions
{
    public const string Section = "Gateway";

    /// <summary>The operator credential of a fresh installation (the AppHost generates it); stored hashed on start, revocable like any key.</summary>
    public string? BootstrapOperatorKey { get; set; }

    /// <summary>How long a key's lookup is reused by this instance. A revocation here is immediate; other replicas see it within this.</summary>
    public TimeSpan CredentialCacheDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a replaced key keeps working when a rotation does not say.</summary>
    public TimeSpan KeyRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    public RateLimitOptions RateLimits { get; set; } = new();
}

public sealed class RateLimitOptions
{
    /// <summary>Every client's bucket unless the client has its own.</summary>
    public BucketOptions Client { get; set; } = new() { PermitsPerSecond = 100, Burst = 200 };

    /// <summary>Every county's bucket (shared by its clients) unless the county has its own.</summary>
    public BucketOptions County { get; set; } = new() { PermitsPerSecond = 500, Burst = 1000 };
}

public sealed class BucketOptions
{
    public double PermitsPerSecond { get; set; }

    public int Burst { get; set; }
}
