using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Counties;

/// <summary>A county to register. Every field is optional in the type so that a missing one is named in the answer.</summary>
/// <param name="Code">Administrative division code (行政区划代码) of the county: six digits, e.g. 511621.</param>
/// <param name="Name">The county's name, e.g. 岳池县 (at most 100 characters).</param>
/// <param name="TimeZone">IANA time zone; Asia/Shanghai when omitted.</param>
public sealed record RegisterCountyRequest([Required] string? Code, [Required] string? Name, string? TimeZone);

/// <summary>Counties (县), the platform's tenants. Registering one tells every other service through <see cref="CountyRegistered"/>.</summary>
public static partial class CountiesApi
{
    public const string DefaultTimeZone = "Asia/Shanghai";

    public static IEndpointRouteBuilder MapCountiesApi(this IEndpointRouteBuilder endpoints)
    {
        var counties = endpoints.MapCountyDirectoryApi("registry").RequireReadWriteScopes("registry");
        counties.MapPost("/", RegisterCounty)
            .RequireScope(PlatformScopes.Admin)
            .WithName("registry.RegisterCounty")
            .WithSummary("Register a county (tenant)")
            .WithRequestExample(new { code = "511621", name = "岳池县", timeZone = "Asia/Shanghai" })
            .WithDescription("Writes the county, its default settings (version 1) and the CountyRegistered and CountySettingsChanged events in one transaction; Dispatch and Evaluation learn of it from the events.");
        return endpoints;
    }

    private static async Task<Results<Created<CountyResponse>, ValidationProblem, ProblemHttpResult>> RegisterCounty(
        RegisterCountyRequest request, RegistryDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.RequireMatch("code", request.Code, CountyCode(), "must be a six-digit administrative division code (e.g. 511621) whose first two digits name a province (11–82, GB/T 2260)");
        errors.RequireText("name", request.Name, maxLength: 100);
        var timeZone = request.TimeZone ?? DefaultTimeZone;
        if (errors.OptionalText("timeZone", request.TimeZone, maxLength: 64) && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            errors.Add("timeZone", $"'timeZone' must be an IANA time zone such as {DefaultTimeZone}.");
        }
        if (!errors.IsValid)
        {
            return errors.ToProblem();
        }

        var county = new County
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            Code = request.Code!,
            Name = request.Name!.Trim(),
            TimeZone = timeZone,
            RegisteredAt = clock.GetUtcNow(),
        };
        await db.ActForCountyAsync(county, cancellationToken);
        db.Counties.Add(county);
        db.Outbox.Publish(new CountyRegistered(county.Id, county.Code, county.Name, county.TimeZone, county.RegisteredAt));
        // The county starts with the default settings, announced after the county itself.
        CountySettingsApi.AddDefaults(db, county.Id, county.RegisteredAt);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_counties_code"))
        {
            return Problems.Conflict("county_code_taken", $"A county with code '{county.Code}' is already registered.", "code");
        }
        return TypedResults.Created($"/api/registry/counties/{county.Code}", CountyResponse.From(county));
    }

    // GB/T 2260: the first two digits are a province's: 11–15 (华北), 21–23 (东北), 31–37 (华东),
    // 41–46 (中南), 50–54 (西南), 61–65 (西北), 71 (台湾), 81–82 (香港, 澳门).
    [GeneratedRegex("^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])[0-9]{4}$")]
    private static partial Regex CountyCode();
}
