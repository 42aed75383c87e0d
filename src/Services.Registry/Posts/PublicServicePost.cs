using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Posts;

/// <summary>A community's public-service post (公益服务岗); every reported member should hold at least one.</summary>
public sealed class PublicServicePost : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary>The community or village the post belongs to.</summary>
    public Guid CommunityId { get; init; }

    /// <summary>How many members may hold it at once; null for no limit.</summary>
    public int? Capacity { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RetiredAt { get; set; }

    public int Version { get; set; }
}

/// <summary>A member holding a post (认岗), from a claim until released.</summary>
public sealed class PostClaim : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid PostId { get; init; }

    public Guid MemberId { get; init; }

    public DateTimeOffset ClaimedAt { get; init; }

    public DateTimeOffset? ReleasedAt { get; set; }
}

internal sealed class PublicServicePostConfiguration : IEntityTypeConfiguration<PublicServicePost>, IEntityTypeConfiguration<PostClaim>
{
    public void Configure(EntityTypeBuilder<PublicServicePost> post)
    {
        post.ToTable("public_service_posts");
        post.HasKey(p => p.Id);
        post.Property(p => p.Id).ValueGeneratedNever();
        post.Property(p => p.Name).HasMaxLength(100);
        post.Property(p => p.Description).HasMaxLength(500);
        post.HasIndex(p => new { p.CommunityId, p.Name }).IsUnique().HasDatabaseName("ux_public_service_posts_name");
        post.HasOne<Area>().WithMany().HasForeignKey(p => p.CommunityId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<PostClaim> claim)
    {
        claim.ToTable("post_claims");
        claim.HasKey(c => c.Id);
        claim.Property(c => c.Id).ValueGeneratedNever();
        // One open claim per member and post; released claims stay as history.
        claim.HasIndex(c => new { c.PostId, c.MemberId }).IsUnique().HasFilter("released_at IS NULL").HasDatabaseName("ux_post_claims_open");
        claim.HasIndex(c => c.MemberId);
        claim.HasOne<PublicServicePost>().WithMany().HasForeignKey(c => c.PostId).OnDelete(DeleteBehavior.Cascade);
        claim.HasOne<Member>().WithMany().HasForeignKey(c => c.MemberId).OnDelete(DeleteBehavior.Cascade);
    }
}
