using System.Text.Json.Serialization;

namespace Platform.Contracts.Registry;

/// <summary>
/// A version of a county's settings: a new one, effective from <see cref="EffectiveFrom"/> (never before);
/// or, with <see cref="WithdrawnAt"/>, one scheduled for later and withdrawn before it took effect, which
/// is never in effect. A version is withdrawn once and for good, so the two announcements of a version
/// may be taken in either order: the withdrawal wins.
/// </summary>
public sealed record CountySettingsChanged(
    Guid CountyId,
    int Version,
    DateTimeOffset EffectiveFrom,
    CountySettings Settings,
    DateTimeOffset ChangedAt,
    DateTimeOffset? WithdrawnAt = null) : ICountyMessage;

/// <summary>What other services read from a county's settings.</summary>
/// <param name="Sla">Deadlines per request tier (simple, ordinary, complex).</param>
/// <param name="ClaimStartLimitHours">Hours a claimant has to start a claimed request before it returns to the pool.</param>
/// <param name="ReportingWeek">Which week of each month is the concentrated reporting week (集中报到周); default the second.</param>
/// <param name="ThemedDay">The day of that week that is the themed day (主题党日); default Friday.</param>
/// <param name="PointsRules">Points rules (党员积分), by code.</param>
/// <param name="RatingScales">Rating scales for residents' and officers' ratings.</param>
/// <param name="CoverageThresholdPercent">Share of a unit's reported members that must have served in a quarter.</param>
/// <remarks>
/// Its numbers and day are required in JSON: left out, they would read as 0 and Sunday, values a
/// county could mean, and a settings document is always sent whole.
/// </remarks>
public sealed record CountySettings(
    IReadOnlyList<SlaTier> Sla,
    [property: JsonRequired] int ClaimStartLimitHours,
    [property: JsonRequired] int ReportingWeek,
    [property: JsonRequired] DayOfWeek ThemedDay,
    IReadOnlyList<PointsRule> PointsRules,
    IReadOnlyList<RatingScale> RatingScales,
    [property: JsonRequired] int CoverageThresholdPercent);

/// <summary>Response and completion limits of one request tier: simple (即办), ordinary (限时办结), complex (研究办理).</summary>
public sealed record SlaTier(string Tier, [property: JsonRequired] int ResponseHours, [property: JsonRequired] int CompletionHours);

/// <summary>One points rule: what earns (or costs) points, how many, capped per period when <see cref="CapPerPeriod"/> is set.</summary>
public sealed record PointsRule(string Code, string Description, [property: JsonRequired] decimal Points, decimal? CapPerPeriod);

/// <summary>A rating scale: its name (e.g. resident_satisfaction) and its grades in order, best first.</summary>
public sealed record RatingScale(string Name, IReadOnlyList<string> Grades);
