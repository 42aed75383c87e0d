using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

public sealed class ActivityGenerationOptions
{
    /// <summary>How often every county's current and next month are made sure of.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Once an hour (and at start), makes sure every county has this month's and next month's reporting
/// week and themed party day in each community, on the dates the county's rules now give (and moves
/// those generated ahead for later months), each county in its own scope acting for that county.
/// Safe with several replicas: the unique index lets only one of two racing inserts through.
/// </summary>
public sealed partial class MonthlyActivityGeneration(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<ActivityGenerationOptions> options, ILogger<MonthlyActivityGeneration> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            await GenerateForEveryCountyAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task GenerateForEveryCountyAsync(CancellationToken cancellationToken)
    {
        List<County> counties;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
            counties = await db.Counties.AsNoTracking().OrderBy(c => c.Code).ToListAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogCountiesUnreadable(logger, exception);
            return;
        }
        foreach (var county in counties)
        {
            try
            {
                await GenerateAsync(county, cancellationToken);
            }
            catch (DbUpdateException exception) when (PostgresErrors.IsUniqueViolation(exception, "ux_activities_generated"))
            {
                // Another replica (or a request) generated the same month meanwhile: nothing is missing.
            }
            catch (DbUpdateConcurrencyException)
            {
                // Staff changed an activity it was moving (or another replica moved it first).
                LogChangedMeanwhile(logger, county.Code);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogCountyFailed(logger, exception, county.Code);
            }
        }
    }

    private async Task GenerateAsync(County county, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(county);
        var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
        var changes = await ActivityGenerator.GenerateAheadAsync(db, county, clock.GetUtcNow(), cancellationToken);
        if (changes.Any)
        {
            await db.SaveChangesAsync(cancellationToken);
            LogGenerated(logger, changes.Created.Count, changes.Rescheduled.Count, county.Code);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Generated {Created} reporting-week activities and moved {Rescheduled} to the county's rules for county {CountyCode}")]
    private static partial void LogGenerated(ILogger logger, int created, int rescheduled, string countyCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activities of county {CountyCode} changed while being generated; the next round generates them again")]
    private static partial void LogChangedMeanwhile(ILogger logger, string countyCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not generate the monthly activities of county {CountyCode}; the next round retries")]
    private static partial void LogCountyFailed(ILogger logger, Exception exception, string countyCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the counties to generate monthly activities for; the next round retries")]
    private static partial void LogCountiesUnreadable(ILogger logger, Exception exception);
}

/// <summary>
/// When Registry schedules or withdraws a county's settings version, the county's generated activities
/// follow at once, in the transaction that updates Dispatch's copy of the settings; the hourly round
/// would otherwise make the move within the hour.
/// </summary>
public sealed partial class ActivityRulesFollower(TimeProvider clock, ILogger<ActivityRulesFollower> logger) : ICountySettingsFollower<DispatchDbContext>
{
    public async Task FollowAsync(DispatchDbContext db, Guid countyId, CancellationToken cancellationToken)
    {
        // Not known yet (its registration still on the way): the hourly round generates once it is.
        if (await db.Counties.AsNoTracking().FirstOrDefaultAsync(c => c.Id == countyId, cancellationToken) is not { } county)
        {
            return;
        }
        var changes = await ActivityGenerator.GenerateAheadAsync(db, county, clock.GetUtcNow(), cancellationToken);
        if (changes.Any)
        {
            LogFollowed(logger, changes.Created.Count, changes.Rescheduled.Count, county.Code);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "The settings of county {CountyCode} changed: generated {Created} activities and moved {Rescheduled} to the rules now in effect")]
    private static partial void LogFollowed(ILogger logger, int created, int rescheduled, string countyCode);
}

public static class ActivitiesExtensions
{
    /// <summary>
    /// The hourly generation of every county's reporting weeks (<c>Activities:Generation:Interval</c>), and
    /// generated activities following a change of the county's settings as soon as Dispatch's copy has it.
    /// </summary>
    public static IHostApplicationBuilder AddActivities(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ActivityGenerationOptions>().Bind(builder.Configuration.GetSection("Activities:Generation"));
        builder.Services.AddHostedService<MonthlyActivityGeneration>();
        builder.Services.AddScoped<ICountySettingsFollower<DispatchDbContext>, ActivityRulesFollower>();
        return builder;
    }
}
