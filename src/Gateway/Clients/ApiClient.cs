using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Gateway.Clients;

/// <summary>
/// An integrator's (or a platform operator's) credential holder: bound to one county, or to none
/// for an operator who acts across counties; with the scopes its keys carry and the roles of the
/// people it may act for.
/// </summary>
public sealed class ApiClient : IVersioned
{
    public Guid Id { get; init; }

    public required string Name { get; set; }

    /// <summary>The county its keys reach; null for a platform operator.</summary>
    public Guid? CountyId { get; init; }

    public string? CountyCode { get; init; }

    public List<string> Scopes { get; set; } = [];

    /// <summary>The roles of the people it acts for (X-Actor-Role); an operator may name any.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>Its own token bucket, when not the gateway's default: refill per second and capacity.</summary>
    public double? RatePerSecond { get; set; }

    public int? RateBurst { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Every key of a revoked client is refused.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    public int Version { get; set; }

    public bool IsOperator => CountyId is null;
}

/// <summary>
/// One key of a client. Only its SHA-256 is stored (the key is 256 random bits, so a fast hash is
/// safe) with a visible prefix to tell keys apart; the key itself is shown once, at creation.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; init; }

    public Guid ClientId { get; init; }

    /// <summary>The key's first characters (<c>gwk_XXXXXXXX</c>), safe to show.</summary>
    public required string Prefix { get; init; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public required string Hash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set when a newer key replaced it: it keeps working until then (the rotation's overlap).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>A county's own token bucket, shared by all its clients, when not the gateway's default.</summary>
public sealed class CountyRateLimit
{
    public Guid CountyId { get; init; }

    public double PermitsPerSecond { get; set; }

    public int Burst { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ClientConfiguration :
    IEntityTypeConfiguration<ApiClient>, IEntityTypeConfiguration<ApiKey>, IEntityTypeConfiguration<CountyRateLimit>
{
    public void Configure(EntityTypeBuilder<ApiClient> client)
    {
        client.ToTable("api_clients");
        client.HasKey(c => c.Id);
        client.Property(c => c.Id).ValueGeneratedNever();
        client.Property(c => c.Name).HasMaxLength(100);
        client.Property(c => c.CountyCode).HasMaxLength(12);
        client.Property(c => c.Scopes).HasColumnType("text[]");
        client.Property(c => c.Roles).HasColumnType("text[]");
        client.Ignore(c => c.IsOperator);
        client.HasIndex(c => c.CountyId);
    }

    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.ToTable("api_keys");
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).ValueGeneratedNever();
        key.Property(k => k.Prefix).HasMaxLength(16);
        key.Property(k => k.Hash).HasMaxLength(64);
        key.HasIndex(k => k.Hash).IsUnique();
        key.HasIndex(k => k.ClientId);
        key.HasOne<ApiClient>().WithMany().HasForeignKey(k => k.ClientId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<CountyRateLimit> limit)
    {
        limit.ToTable("county_rate_limits");
        limit.HasKey(l => l.CountyId);
        limit.Property(l => l.CountyId).ValueGeneratedNever();
    }
}
