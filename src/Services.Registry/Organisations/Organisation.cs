using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Registry.Areas;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Organisations;

/// <summary>
/// A party organisation (党组织): a unit's (机关/企业/事业单位 — the units whose members report to
/// communities), a community's or village's, a grid branch (网格党支部), or an alliance committee
/// (社区"大党委") whose member organisations come from different units.
/// </summary>
public sealed class Organisation : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    /// <summary>The county's code for the organisation; unique in the county (the import's natural key).</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public OrganisationKind Kind { get; init; }

    /// <summary>The community/village (or grid, for a grid branch) it serves; null for a unit organisation.</summary>
    public Guid? AreaId { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RetiredAt { get; set; }

    public int Version { get; set; }

    public bool IsUnit => Kind.IsUnit();
}

public enum OrganisationKind
{
    /// <summary>机关</summary>
    GovernmentUnit,
    /// <summary>企业</summary>
    Enterprise,
    /// <summary>事业单位</summary>
    Institution,
    /// <summary>社区党组织</summary>
    Community,
    /// <summary>村党组织</summary>
    Village,
    /// <summary>网格党支部</summary>
    GridBranch,
    /// <summary>社区"大党委" (alliance committee)</summary>
    Alliance,
}

public static class OrganisationKinds
{
    public static bool IsUnit(this OrganisationKind kind) =>
        kind is OrganisationKind.GovernmentUnit or OrganisationKind.Enterprise or OrganisationKind.Institution;
}

/// <summary>An organisation that sits on an alliance committee (大党委成员单位).</summary>
public sealed class AllianceMembership : ITenantScoped
{
    public Guid AllianceId { get; init; }

    public Guid OrganisationId { get; init; }

    public Guid CountyId { get; set; }

    public DateTimeOffset JoinedAt { get; init; }
}

/// <summary>A member holding office in an organisation (secretary, deputy secretary, committee member).</summary>
public sealed class OrganisationOfficer : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid OrganisationId { get; init; }

    public Guid MemberId { get; init; }

    public OfficerRole Role { get; init; }

    public DateTimeOffset Since { get; init; }
}

public enum OfficerRole
{
    /// <summary>书记</summary>
    Secretary,
    /// <summary>副书记</summary>
    DeputySecretary,
    /// <summary>委员</summary>
    CommitteeMember,
}

/// <summary>A contact point / service station (党群服务站) of a community or grid.</summary>
public sealed class ServiceStation : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public required string Name { get; set; }

    /// <summary>The community, village or grid it serves.</summary>
    public Guid AreaId { get; set; }

    public string? Address { get; set; }

    public string? Phone { get; set; }

    /// <summary>Free text as displayed, e.g. "工作日 9:00-17:00".</summary>
    public string? OpeningHours { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RetiredAt { get; set; }

    public int Version { get; set; }
}

internal sealed class OrganisationConfiguration :
    IEntityTypeConfiguration<Organisation>, IEntityTypeConfiguration<AllianceMembership>,
    IEntityTypeConfiguration<OrganisationOfficer>, IEntityTypeConfiguration<ServiceStation>
{
    public void Configure(EntityTypeBuilder<Organisation> organisation)
    {
        organisation.ToTable("organisations");
        organisation.HasKey(o => o.Id);
        organisation.Property(o => o.Id).ValueGeneratedNever();
        organisation.Property(o => o.Code).HasMaxLength(32);
        organisation.Property(o => o.Name).HasMaxLength(100);
        organisation.Property(o => o.Kind).HasConversion(Wire.Converter<OrganisationKind>()).HasMaxLength(24);
        organisation.HasIndex(o => new { o.CountyId, o.Code }).IsUnique().HasDatabaseName("ux_organisations_code");
        organisation.HasIndex(o => o.AreaId);
        organisation.HasOne<Area>().WithMany().HasForeignKey(o => o.AreaId).OnDelete(DeleteBehavior.Restrict);
        organisation.Ignore(o => o.IsUnit);
    }

    public void Configure(EntityTypeBuilder<AllianceMembership> membership)
    {
        membership.ToTable("alliance_memberships");
        membership.HasKey(m => new { m.AllianceId, m.OrganisationId });
        membership.HasIndex(m => m.OrganisationId);
        membership.HasOne<Organisation>().WithMany().HasForeignKey(m => m.AllianceId).OnDelete(DeleteBehavior.Cascade);
        membership.HasOne<Organisation>().WithMany().HasForeignKey(m => m.OrganisationId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<OrganisationOfficer> officer)
    {
        officer.ToTable("organisation_officers");
        officer.HasKey(o => o.Id);
        officer.Property(o => o.Id).ValueGeneratedNever();
        officer.Property(o => o.Role).HasConversion(Wire.Converter<OfficerRole>()).HasMaxLength(24);
        officer.HasIndex(o => new { o.OrganisationId, o.MemberId, o.Role }).IsUnique().HasDatabaseName("ux_organisation_officers_role");
        officer.HasIndex(o => o.MemberId);
        officer.HasOne<Organisation>().WithMany().HasForeignKey(o => o.OrganisationId).OnDelete(DeleteBehavior.Cascade);
        officer.HasOne<Members.Member>().WithMany().HasForeignKey(o => o.MemberId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<ServiceStation> station)
    {
        station.ToTable("service_stations");
        station.HasKey(s => s.Id);
        station.Property(s => s.Id).ValueGeneratedNever();
        station.Property(s => s.Name).HasMaxLength(100);
        station.Property(s => s.Address).HasMaxLength(200);
        station.Property(s => s.Phone).HasMaxLength(20);
        station.Property(s => s.OpeningHours).HasMaxLength(100);
        station.HasIndex(s => s.AreaId);
        station.HasOne<Area>().WithMany().HasForeignKey(s => s.AreaId).OnDelete(DeleteBehavior.Restrict);
    }
}
