using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Messaging.Outbox;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.ServiceDefaults.Persistence;

public static class PersistenceExtensions
{
    /// <summary>
    /// The service's database: <c>ConnectionStrings:{name}</c> is the application role's connection
    /// (row-level security applies to it); <c>ConnectionStrings:{name}-owner</c>, when present, is the
    /// schema owner's, used only to migrate.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder, string name)
        where TContext : ServiceDbContext
    {
        var connectionString = WithPreparedStatements(builder.Configuration.GetConnectionString(name)
            ?? throw new InvalidOperationException($"ConnectionStrings:{name} is not configured."));
        var ownerConnectionString = builder.Configuration.GetConnectionString(name + "-owner") ?? connectionString;

        builder.Services.AddServiceDbContext<TContext>(connectionString);

        builder.Services.AddOptions<IdempotencyOptions>().Bind(builder.Configuration.GetSection("Idempotency"));
        builder.Services.AddOptions<GroupCommitOptions>().Bind(builder.Configuration.GetSection(GroupCommitOptions.Section));
        builder.Services.AddHostedService<IdempotencyCleanup<TContext>>();

        builder.Services.AddSingleton<SqlMigrator>();
        builder.Services.AddSingleton(new DatabaseMigration(typeof(TContext), ownerConnectionString));
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck<TContext>>(name);
        return builder;
    }

    /// <summary>
    /// The service's DbContext, one per scope, bound to the scope's county and clock. Instances come
    /// from a pool (building a context and its options for every request and message costs more than
    /// many of the statements they run); the interceptors are the process's, the state theirs.
    /// </summary>
    public static IServiceCollection AddServiceDbContext<TContext>(this IServiceCollection services, string connectionString)
        where TContext : ServiceDbContext
    {
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<OutboxCommitInterceptor>();
        // Sessions keep their county in the pool, so a connection whose session already acts for
        // the scope's county is used as it is (TenantSessions); a new one is recorded as acting for none.
        var keepingSessions = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
        var sessions = TenantSessions.For(keepingSessions);
        var tenantInterceptor = new TenantDbInterceptor(sessions);
        void Started(NpgsqlConnection connection) => sessions.Started(connection.ProcessID);
        services.AddPooledDbContextFactory<TContext>((provider, options) => options
            .UseNpgsql(keepingSessions, npgsql => npgsql.ConfigureDataSource(source => source.UsePhysicalConnectionInitializer(
                Started, connection =>
                {
                    Started(connection);
                    return Task.CompletedTask;
                })))
            .AddInterceptors(tenantInterceptor, provider.GetRequiredService<OutboxCommitInterceptor>()));
        // The group commit of the hot paths' saves (GroupCommit): one writer per process.
        if (!services.Any(d => d.ServiceType == typeof(GroupCommit)))
        {
            services.AddOptions<GroupCommitOptions>();
            services.AddSingleton<GroupCommit>();
            services.AddHostedService(provider => provider.GetRequiredService<GroupCommit>());
        }
        services.AddScoped(provider =>
        {
            var context = provider.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
            context.Bind(provider.GetRequiredService<ITenantContext>(), provider.GetRequiredService<TimeProvider>(), provider.GetService<GroupCommit>());
            return context;
        });
        services.AddScoped<ServiceDbContext>(provider => provider.GetRequiredService<TContext>());
        return services;
    }

    /// <summary>Applies the pending migrations before the service takes traffic; waits for the database up to a deadline.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var migration = app.Services.GetRequiredService<DatabaseMigration>();
        var migrator = app.Services.GetRequiredService<SqlMigrator>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var migrations = SqlMigrator.Discover(migration.ContextType.Assembly);
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await migrator.MigrateAsync(migration.OwnerConnectionString, migrations, cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && clock.GetUtcNow() < deadline)
            {
                app.Logger.LogWarning("Database not reachable yet ({Reason}); retrying", exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The services run the same few statements over and over (tenant setting, inbox and outbox
    /// inserts): prepared automatically they skip parsing and planning. A connection string that
    /// says otherwise wins.
    /// </summary>
    private static string WithPreparedStatements(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            settings.MaxAutoPrepare = 20;
        }
        return settings.ConnectionString;
    }

    internal sealed record DatabaseMigration(Type ContextType, string OwnerConnectionString);

    private sealed class DatabaseHealthCheck<TContext>(TContext db) : IHealthCheck where TContext : DbContext
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("The database is not reachable.", exception);
            }
        }
    }
}
