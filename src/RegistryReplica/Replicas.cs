using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.RegistryReplica;

/// <summary>
/// A service's copy of one Registry record, kept from Registry's <c>…Changed</c> events. Events of
/// one record may arrive out of order: a copy only moves forward (a newer <see cref="Version"/>).
/// </summary>
public interface IReplica : ITenantScoped
{
    Guid Id { get; }

    int Version { get; set; }
}

/// <summary>A node of the county's administrative tree (street/township, community/village, grid, compound).</summary>
public sealed class ReplicaArea : IReplica
{
    public Guid Id { get; init; }
    public Guid CountyId { get; set; }
    public int Version { get; set; }
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>street, township, community, village, grid or compound.</summary>
    public string Level { get; set; } = "";
    public Guid? ParentId { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }
}

/// <summary>A party organisation; units (government_unit, enterprise, institution) take requests and pair with communities.</summary>
public sealed class ReplicaOrganisation : IReplica
{
    public Guid Id { get; init; }
    public Guid CountyId { get; set; }
    public int Version { get; set; }
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "";
    public Guid? AreaId { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }

    public bool IsUnit => Kind is "government_unit" or "enterprise" or "institution";
}

/// <summary>A member (在职党员干部) as matching and evaluation need them; no phone number.</summary>
public sealed class ReplicaMember : IReplica
{
    public Guid Id { get; init; }
    public Guid CountyId { get; set; }
    public int Version { get; set; }
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
    public Guid? UnitId { get; set; }
    public Guid CommunityId { get; set; }
    public Guid? GridId { get; set; }
    public List<string> Skills { get; set; } = [];
    public List<string> Intentions { get; set; } = [];
    public List<AvailabilityWindow> Availability { get; set; } = [];
    public bool DemonstrationHousehold { get; set; }
    public string? GridRole { get; set; }
    /// <summary>active or left.</summary>
    public string Status { get; set; } = "";

    /// <summary>When the member was registered; null for a copy made from events before it was carried.</summary>
    public DateTimeOffset? JoinedAt { get; set; }

    /// <summary>When the member left, while left.</summary>
    public DateTimeOffset? LeftAt { get; set; }

    public bool IsActive => Status == "active";
}

/// <summary>A unit–community pairing (结对) and the unit's commitments in it.</summary>
public sealed class ReplicaPairing : IReplica
{
    public Guid Id { get; init; }
    public Guid CountyId { get; set; }
    public int Version { get; set; }
    public Guid UnitId { get; set; }
    public Guid CommunityId { get; set; }
    public List<Guid> GridIds { get; set; } = [];
    public DateOnly StartsOn { get; set; }
    public DateOnly? EndsOn { get; set; }
    public List<PairingCommitment> Commitments { get; set; } = [];

    public bool IsActiveOn(DateOnly day) => StartsOn <= day && (EndsOn is null || day <= EndsOn);
}

/// <summary>A report (报到) of a unit to a community or of a member to where they live.</summary>
public sealed class ReplicaReport : IReplica
{
    public Guid Id { get; init; }
    public Guid CountyId { get; set; }
    public int Version { get; set; }
    /// <summary>unit or member.</summary>
    public string Kind { get; set; } = "";
    public Guid? MemberId { get; set; }
    public Guid? UnitId { get; set; }
    public Guid CommunityId { get; set; }
    public Guid? GridId { get; set; }
    /// <summary>pending, confirmed or withdrawn.</summary>
    public string Status { get; set; } = "";
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? ConfirmedAt { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
}

/// <summary>A community's volunteer team and its members.</summary>
public sealed class ReplicaVolunteerTeam : IReplica
{
    public Guid Id { get; init; }
    public Guid CountyId { get; set; }
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public Guid CommunityId { get; set; }
    public List<Guid> MemberIds { get; set; } = [];
    public DateTimeOffset? RetiredAt { get; set; }
}

/// <summary>One version of a county's settings; the one in effect at a moment is the newest effective by then and not withdrawn.</summary>
public sealed class ReplicaCountySettings : ITenantScoped
{
    public Guid CountyId { get; set; }
    public int Version { get; init; }
    public DateTimeOffset EffectiveFrom { get; init; }
    public required CountySettings Settings { get; init; }

    /// <summary>When Registry withdrew the version before it took effect: it is never in effect.</summary>
    public DateTimeOffset? WithdrawnAt { get; set; }
}
