using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Counties;

/// <summary>A new version of a county's settings: the whole settings document, and when it takes effect.</summary>
/// <param name="Settings">The complete settings (every part is required: a version never inherits parts of another).</param>
/// <param name="EffectiveFrom">When the version takes effect (UTC); now when omitted; never in the past.</param>
public sealed record UpdateCountySettingsRequest([Required] CountySettings? Settings, DateTimeOffset? EffectiveFrom);

/// <summary>One version of a county's settings.</summary>
/// <param name="WithdrawnAt">When the version was withdrawn before it took effect (it never is in effect); null otherwise.</param>
public sealed record CountySettingsResponse(int Version, DateTimeOffset EffectiveFrom, DateTimeOffset CreatedAt, CountySettings Settings, DateTimeOffset? WithdrawnAt)
{
    public static CountySettingsResponse From(CountySettingsVersion version) =>
        new(version.Version, version.EffectiveFrom, version.CreatedAt, version.Settings, version.WithdrawnAt);
}

/// <summary>
/// A county's settings (SLA hours per tier, reporting week and themed day, points rules, rating
/// scales, coverage threshold), versioned: a change adds a version effective from now or later and
/// publishes <see cref="CountySettingsChanged"/>; past versions stay readable, so anything computed
/// under them can be reproduced. A version scheduled for later may be withdrawn until shortly before it
/// takes effect (<see cref="WithdrawalNotice"/>); it stays listed, marked, and is never in effect.
/// </summary>
public static partial class CountySettingsApi
{
    /// <summary>A new version may take effect at most this far in the past (clock skew between a client and the service).</summary>
    private static readonly TimeSpan PastTolerance = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long before it takes effect a version may still be withdrawn: the services follow Registry a
    /// moment behind, and none should have used a version by the time it learns of its withdrawal.
    /// </summary>
    public static readonly TimeSpan WithdrawalNotice = TimeSpan.FromMinutes(5);

    public static RouteGroupBuilder MapCountySettingsApi(this RouteGroupBuilder county)
    {
        var settings = county.MapGroup("/settings").WithTags("County settings");
        settings.MapGet("/", GetSettings)
            .WithName("registry.GetCountySettings")
            .WithSummary("Get the settings in effect now, or at a given moment (?at=)")
            .WithDescription("The version in effect is the newest whose effectiveFrom is not after the moment; a scheduled future version is not in effect yet.");
        settings.MapPut("/", UpdateSettings)
            .WithName("registry.UpdateCountySettings")
            .WithSummary("Add a new version of the settings")
            .WithDescription("Send the complete settings; If-Match with the newest version's ETag guards against a concurrent change. " +
                "effectiveFrom defaults to now and may not be in the past. Publishes CountySettingsChanged.");
        settings.MapGet("/versions", ListVersions)
            .WithName("registry.ListCountySettingsVersions")
            .WithSummary("List every version of the settings, newest first");
        settings.MapGet("/versions/{version:int}", GetVersion)
            .WithName("registry.GetCountySettingsVersion")
            .WithSummary("Get one version of the settings");
        settings.MapPost("/versions/{version:int}/withdraw", WithdrawVersion)
            .WithName("registry.WithdrawCountySettingsVersion")
            .WithSummary("Withdraw a version scheduled for later, before it takes effect")
            .WithDescription("The version stays listed with withdrawnAt and is never in effect; the one before it stays in effect. " +
                "Allowed until 5 minutes before the version's effectiveFrom: 409 settings_version_in_effect after that, " +
                "409 settings_version_withdrawn when it already was. Publishes CountySettingsChanged with withdrawnAt.");
        return county;
    }

    /// <summary>Writes version 1 (the defaults) for a county being registered, in the caller's transaction.</summary>
    public static CountySettingsVersion AddDefaults(RegistryDbContext db, Guid countyId, DateTimeOffset now)
    {
        var version = new CountySettingsVersion
        {
            CountyId = countyId, Version = 1, Settings = CountySettingsDefaults.Create(), EffectiveFrom = now, CreatedAt = now,
        };
        db.CountySettings.Add(version);
        db.Outbox.Publish(new CountySettingsChanged(countyId, version.Version, version.EffectiveFrom, version.Settings, now));
        return version;
    }

    private static async Task<Results<Ok<CountySettingsResponse>, ProblemHttpResult>> GetSettings(
        Instant? at, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var moment = at?.Value ?? clock.GetUtcNow();
        var version = await db.CountySettings.AsNoTracking()
            .Where(s => s.EffectiveFrom <= moment && s.WithdrawnAt == null)
            .OrderByDescending(s => s.Version)
            .FirstOrDefaultAsync(cancellationToken);
        if (version is null)
        {
            return Problems.NotFound("settings_not_found", $"No settings of this county were in effect at {moment:O}.");
        }
        // The ETag is what a PUT follows: the newest version, which a scheduled one makes newer than the one in effect.
        var newest = await db.CountySettings.AsNoTracking().MaxAsync(s => s.Version, cancellationToken);
        http.Response.Headers.ETag = ETags.Of(newest);
        return TypedResults.Ok(CountySettingsResponse.From(version));
    }

    private static async Task<Results<Ok<Page<CountySettingsResponse>>, ValidationProblem>> ListVersions(
        int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var request))
        {
            return errors.ToProblem();
        }
        var total = await db.CountySettings.LongCountAsync(cancellationToken);
        var versions = await db.CountySettings.AsNoTracking().OrderByDescending(s => s.Version)
            .Skip(request.Skip).Take(request.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<CountySettingsResponse>(versions.Select(CountySettingsResponse.From).ToList(), request.Page, request.PageSize, total));
    }

    private static async Task<Results<Ok<CountySettingsResponse>, ProblemHttpResult>> GetVersion(
        int version, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var found = await db.CountySettings.AsNoTracking().FirstOrDefaultAsync(s => s.Version == version, cancellationToken);
        if (found is null)
        {
            return Problems.NotFound("settings_version_not_found", $"This county has no settings version {version}.");
        }
        http.Response.Headers.ETag = ETags.Of(found.Version);
        return TypedResults.Ok(CountySettingsResponse.From(found));
    }

    private static async Task<Results<Ok<CountySettingsResponse>, ValidationProblem, ProblemHttpResult>> UpdateSettings(
        UpdateCountySettingsRequest request, RegistryDbContext db, ITenantContext tenant, TimeProvider clock, HttpContext http,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = new ValidationErrors();
        if (request.Settings is null)
        {
            errors.Add("settings", "'settings' is required.");
        }
        else
        {
            Validate(request.Settings, errors);
        }
        var effectiveFrom = request.EffectiveFrom ?? now;
        if (effectiveFrom < now - PastTolerance)
        {
            errors.Add("effectiveFrom", "'effectiveFrom' may not be in the past: a change never rewrites what was computed under the old settings.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }

        // Numbers go on past a withdrawn version (each number names one version for good); the order of
        // effect follows the versions still standing.
        var newestVersion = await db.CountySettings.AsNoTracking().MaxAsync(s => (int?)s.Version, cancellationToken) ?? 0;
        if (http.Request.Headers.IfMatch.Count > 0 &&
            ETags.PreconditionFailed(http, new VersionOnly(newestVersion)) is { } preconditionFailed)
        {
            return preconditionFailed;
        }
        var newest = await db.CountySettings.AsNoTracking().Where(s => s.WithdrawnAt == null).OrderByDescending(s => s.Version).FirstOrDefaultAsync(cancellationToken);
        if (newest is not null && effectiveFrom < newest.EffectiveFrom)
        {
            return Problems.Unprocessable("settings_effective_before_newest",
                $"'effectiveFrom' must not be before the newest version's ({newest.EffectiveFrom:O}).", "effectiveFrom");
        }

        var version = new CountySettingsVersion
        {
            CountyId = tenant.CountyId!.Value, Version = newestVersion + 1, Settings = Normalise(request.Settings!),
            EffectiveFrom = effectiveFrom, CreatedAt = now,
        };
        db.CountySettings.Add(version);
        db.Outbox.Publish(new CountySettingsChanged(version.CountyId, version.Version, version.EffectiveFrom, version.Settings, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception))
        {
            // Another change took the same version number first.
            return Problems.Conflict(ProblemCodes.ConcurrencyConflict, "The settings were changed meanwhile; read them again and retry.");
        }
        http.Response.Headers.ETag = ETags.Of(version.Version);
        return TypedResults.Ok(CountySettingsResponse.From(version));
    }

    private static async Task<Results<Ok<CountySettingsResponse>, ProblemHttpResult>> WithdrawVersion(
        int version, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var found = await db.CountySettings.FirstOrDefaultAsync(s => s.Version == version, cancellationToken);
        if (found is null)
        {
            return Problems.NotFound("settings_version_not_found", $"This county has no settings version {version}.");
        }
        var now = clock.GetUtcNow();
        if (found.WithdrawnAt is { } withdrawnAt)
        {
            return Problems.Conflict("settings_version_withdrawn", $"Settings version {version} was already withdrawn at {withdrawnAt:O}.");
        }
        if (found.EffectiveFrom - WithdrawalNotice < now)
        {
            return Problems.Conflict("settings_version_in_effect",
                $"Settings version {version} takes effect at {found.EffectiveFrom:O}: a version can be withdrawn until {WithdrawalNotice.TotalMinutes:0} minutes before; " +
                "add a new version instead.");
        }
        found.WithdrawnAt = now;
        db.Outbox.Publish(new CountySettingsChanged(found.CountyId, found.Version, found.EffectiveFrom, found.Settings, now, WithdrawnAt: now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another withdrawal of the version came first: this one writes and announces nothing.
            return Problems.Conflict("settings_version_withdrawn", $"Settings version {version} was withdrawn meanwhile.");
        }
        http.Response.Headers.ETag = ETags.Of(found.Version);
        return TypedResults.Ok(CountySettingsResponse.From(found));
    }

    internal static void Validate(CountySettings settings, ValidationErrors errors)
    {
        if (settings.Sla is null)
        {
            errors.Add("settings.sla", "'settings.sla' is required: one entry per tier (simple, ordinary, complex).");
        }
        else
        {
            var tiers = settings.Sla.Select(t => t?.Tier).ToList();
            if (tiers.Count != CountySettingsDefaults.Tiers.Count || CountySettingsDefaults.Tiers.Any(t => !tiers.Contains(t)))
            {
                errors.Add("settings.sla", "'settings.sla' must have exactly one entry for each tier: simple, ordinary, complex.");
            }
            for (var i = 0; i < settings.Sla.Count; i++)
            {
                var tier = settings.Sla[i];
                var field = $"settings.sla[{i}]";
                if (tier is null)
                {
                    errors.Add(field, $"'{field}' is required.");
                    continue;
                }
                if (tier.ResponseHours is < 1 or > 8760)
                {
                    errors.Add(field + ".responseHours", $"'{field}.responseHours' must be between 1 and 8760.");
                }
                if (tier.CompletionHours is < 1 or > 8760 || tier.CompletionHours < tier.ResponseHours)
                {
                    errors.Add(field + ".completionHours", $"'{field}.completionHours' must be between 1 and 8760 and not less than responseHours.");
                }
            }
        }
        if (settings.ClaimStartLimitHours is < 1 or > 720)
        {
            errors.Add("settings.claimStartLimitHours", "'settings.claimStartLimitHours' must be between 1 and 720.");
        }
        if (settings.ReportingWeek is < 1 or > 4)
        {
            errors.Add("settings.reportingWeek", "'settings.reportingWeek' must be between 1 and 4 (the week of the month).");
        }
        if (!Enum.IsDefined(settings.ThemedDay))
        {
            errors.Add("settings.themedDay", "'settings.themedDay' must be a day of the week.");
        }
        if (settings.CoverageThresholdPercent is < 0 or > 100)
        {
            errors.Add("settings.coverageThresholdPercent", "'settings.coverageThresholdPercent' must be between 0 and 100.");
        }
        ValidatePointsRules(settings.PointsRules, errors);
        ValidateRatingScales(settings.RatingScales, errors);
    }

    private static void ValidatePointsRules(IReadOnlyList<PointsRule>? rules, ValidationErrors errors)
    {
        if (rules is null)
        {
            errors.Add("settings.pointsRules", "'settings.pointsRules' is required (it may be empty).");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var field = $"settings.pointsRules[{i}]";
            if (rule is null)
            {
                errors.Add(field, $"'{field}' is required.");
                continue;
            }
            if (errors.RequireMatch(field + ".code", rule.Code, RuleCode(), "must be 1 to 50 lower-case letters, digits or underscores")
                && !seen.Add(rule.Code))
            {
                errors.Add(field + ".code", $"'{field}.code' repeats '{rule.Code}': each rule code appears once.");
            }
            errors.RequireText(field + ".description", rule.Description, maxLength: 200);
            if (rule.Points is < -1000 or > 1000)
            {
                errors.Add(field + ".points", $"'{field}.points' must be between -1000 and 1000.");
            }
            if (rule.CapPerPeriod is <= 0 or > 100_000)
            {
                errors.Add(field + ".capPerPeriod", $"'{field}.capPerPeriod' must be positive (at most 100000) when set.");
            }
        }
    }

    private static void ValidateRatingScales(IReadOnlyList<RatingScale>? scales, ValidationErrors errors)
    {
        if (scales is null)
        {
            errors.Add("settings.ratingScales", "'settings.ratingScales' is required.");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < scales.Count; i++)
        {
            var scale = scales[i];
            var field = $"settings.ratingScales[{i}]";
            if (scale is null)
            {
                errors.Add(field, $"'{field}' is required.");
                continue;
            }
            if (errors.RequireMatch(field + ".name", scale.Name, RuleCode(), "must be 1 to 50 lower-case letters, digits or underscores")
                && !seen.Add(scale.Name))
            {
                errors.Add(field + ".name", $"'{field}.name' repeats '{scale.Name}'.");
            }
            if (scale.Grades is null || scale.Grades.Count is < 2 or > 10 ||
                scale.Grades.Any(g => string.IsNullOrWhiteSpace(g) || g.Length > 30) ||
                scale.Grades.Distinct(StringComparer.Ordinal).Count() != scale.Grades.Count)
            {
                errors.Add(field + ".grades", $"'{field}.grades' must list 2 to 10 distinct grades (each 1 to 30 characters), best first.");
            }
        }
        foreach (var required in new[] { CountySettingsDefaults.ResidentSatisfactionScale, CountySettingsDefaults.AssessmentScale })
        {
            if (!seen.Contains(required))
            {
                errors.Add("settings.ratingScales", $"'settings.ratingScales' must include the '{required}' scale (other services rate on it).");
            }
        }
    }

    /// <summary>Tiers in their fixed order, so versions compare and read alike.</summary>
    private static CountySettings Normalise(CountySettings settings) => settings with
    {
        Sla = settings.Sla.OrderBy(t => CountySettingsDefaults.Tiers.ToList().IndexOf(t.Tier)).ToList(),
    };

    private sealed class VersionOnly(int version) : IVersioned
    {
        public int Version { get; set; } = version;
    }

    [GeneratedRegex("^[a-z0-9_]{1,50}$")]
    private static partial Regex RuleCode();
}
