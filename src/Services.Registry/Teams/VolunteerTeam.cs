using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Teams;

/// <summary>A community's volunteer team (志愿服务队) that reported members join.</summary>
public sealed class VolunteerTeam : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Name { get; set; }

    public VolunteerTeamType Type { get; set; }

    /// <summary>The community or village the team serves.</summary>
    public Guid CommunityId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RetiredAt { get; set; }

    public int Version { get; set; }
}

public enum VolunteerTeamType
{
    /// <summary>义工型</summary>
    Service,
    /// <summary>帮扶型</summary>
    Assistance,
    /// <summary>咨询型</summary>
    Consulting,
    /// <summary>应急型</summary>
    Emergency,
}

public sealed class TeamMembership : ITenantScoped
{
    public Guid TeamId { get; init; }

    public Guid MemberId { get; init; }

    public Guid CountyId { get; set; }

    public DateTimeOffset JoinedAt { get; init; }
}

internal sealed class VolunteerTeamConfiguration : IEntityTypeConfiguration<VolunteerTeam>, IEntityTypeConfiguration<TeamMembership>
{
    public void Configure(EntityTypeBuilder<VolunteerTeam> team)
    {
        team.ToTable("volunteer_teams");
        team.HasKey(t => t.Id);
        team.Property(t => t.Id).ValueGeneratedNever();
        team.Property(t => t.Name).HasMaxLength(100);
        team.Property(t => t.Type).HasConversion(Wire.Converter<VolunteerTeamType>()).HasMaxLength(16);
        team.HasIndex(t => new { t.CommunityId, t.Name }).IsUnique().HasDatabaseName("ux_volunteer_teams_name");
        team.HasOne<Area>().WithMany().HasForeignKey(t => t.CommunityId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<TeamMembership> membership)
    {
        membership.ToTable("team_memberships");
        membership.HasKey(m => new { m.TeamId, m.MemberId });
        membership.HasIndex(m => m.MemberId);
        membership.HasOne<VolunteerTeam>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        membership.HasOne<Member>().WithMany().HasForeignKey(m => m.MemberId).OnDelete(DeleteBehavior.Cascade);
    }
}
