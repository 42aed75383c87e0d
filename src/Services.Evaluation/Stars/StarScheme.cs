using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Stars;

/// <summary>
/// How a county rates its community party organisations (星级动态考核): a weight per indicator and the
/// score each star needs. Versioned like the county's settings: a change takes effect from a moment
/// not in the past, and a period is rated by the version in effect when it ends.
/// </summary>
/// <param name="Weights">Weight per indicator (see <see cref="StarIndicators"/>); at least one positive.</param>
/// <param name="Thresholds">Score (0–100) needed for 1 to 5 stars, ascending; below the first: 0 stars.</param>
public sealed record StarRules(IReadOnlyDictionary<string, decimal> Weights, IReadOnlyList<decimal> Thresholds)
{
    public static StarRules Default { get; } = new(
        new Dictionary<string, decimal>
        {
            [StarIndicators.ResponseRate] = 20,
            [StarIndicators.ResolutionRate] = 20,
            [StarIndicators.SatisfactionRate] = 20,
            [StarIndicators.ReportingCoverage] = 15,
            [StarIndicators.ActivityAttendance] = 15,
            [StarIndicators.Overdue] = 10,
        },
        [60, 70, 80, 90, 95]);
}

/// <summary>The indicators of a community's star rating, each a score from 0 to 100.</summary>
public static class StarIndicators
{
    public const string ResponseRate = "response_rate";
    public const string ResolutionRate = "resolution_rate";
    public const string SatisfactionRate = "satisfaction_rate";
    public const string ReportingCoverage = "reporting_coverage";
    public const string ActivityAttendance = "activity_attendance";
    public const string Overdue = "overdue";

    public static readonly IReadOnlyList<string> All = [ResponseRate, ResolutionRate, SatisfactionRate, ReportingCoverage, ActivityAttendance, Overdue];
}

/// <summary>One version of a county's star rules.</summary>
public sealed class StarScheme : ITenantScoped
{
    public Guid CountyId { get; set; }

    public int Version { get; init; }

    public DateTimeOffset EffectiveFrom { get; init; }

    public required StarRules Rules { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed class StarSchemeConfiguration : IEntityTypeConfiguration<StarScheme>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<StarScheme> scheme)
    {
        scheme.ToTable("star_schemes");
        scheme.HasKey(s => new { s.CountyId, s.Version });
        scheme.Property(s => s.Rules).HasColumnType("jsonb").HasConversion(
            value => JsonSerializer.Serialize(value, Json),
            json => JsonSerializer.Deserialize<StarRules>(json, Json)!);
    }
}
