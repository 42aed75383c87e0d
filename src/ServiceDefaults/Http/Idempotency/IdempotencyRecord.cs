namespace Platform.ServiceDefaults.Http.Idempotency;

/// <summary>The stored answer to a POST sent with an <c>Idempotency-Key</c>, replayed to retries until it expires.</summary>
public sealed class IdempotencyRecord
{
    /// <summary>Whose key it is: the county's id for county routes (<c>platform</c> otherwise) and the calling client's id.</summary>
    public required string Scope { get; init; }

    public required string Key { get; init; }

    /// <summary>SHA-256 (hex) of the method, path, query and body: a retry must send the same request.</summary>
    public required string RequestHash { get; init; }

    public int StatusCode { get; init; }

    public string? ContentType { get; init; }

    public string? Location { get; init; }

    public string? ETag { get; init; }

    public required byte[] Body { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}

public sealed class IdempotencyOptions
{
    /// <summary>How long a key's answer is kept and replayed (at least a day, so a client retrying tomorrow is safe).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);
}
