using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation.Records;

/// <summary>
/// A county's entries cannot be written yet: Evaluation has not received the county itself (its time
/// zone books lines to months) or any settings version (its rules price them). Registry's events
/// travel on other queues than Dispatch's, so this happens while those queues are behind.
/// </summary>
public sealed class CountyNotReadyException(Guid countyId, string missing)
    : Exception($"County {countyId}: {missing} has not reached Evaluation yet.");

/// <summary>
/// Entries received for a county not ready yet (<see cref="CountyNotReadyException"/>), kept until it
/// is. Parking is part of the receiving transaction (with the message's inbox row), so nothing taken
/// off the queue is lost, and one county's missing settings never hold up another county's events.
/// The table belongs to the platform's work, like the inbox: it is read across counties.
/// </summary>
public sealed class ParkedEntry
{
    public long Id { get; init; }

    public Guid CountyId { get; init; }

    /// <summary>The consumer that received the entry (its inbox name).</summary>
    public required string Consumer { get; init; }

    public Guid? MessageId { get; init; }

    /// <summary>The <see cref="LedgerEntry"/> as JSON.</summary>
    public required string Entry { get; init; }

    /// <summary>What was missing when it was parked.</summary>
    public required string Reason { get; init; }

    public DateTimeOffset ParkedAt { get; init; }
}

internal sealed class ParkedEntryConfiguration : IEntityTypeConfiguration<ParkedEntry>
{
    public void Configure(EntityTypeBuilder<ParkedEntry> entry)
    {
        entry.ToTable("parked_entries");
        entry.HasKey(e => e.Id);
        entry.Property(e => e.Id).UseIdentityAlwaysColumn();
        entry.Property(e => e.Consumer).HasMaxLength(256);
        entry.Property(e => e.Entry).HasColumnType("jsonb");
        entry.Property(e => e.Reason).HasMaxLength(200);
        entry.HasIndex(e => new { e.CountyId, e.Id });
    }
}

public sealed class ParkedEntriesOptions
{
    public const string Section = "Evaluation:ParkedEntries";

    /// <summary>How often parked entries are tried again.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Entries of one county written per transaction when they are tried again.</summary>
    public int BatchSize { get; set; } = 500;
}

public static class ParkedEntries
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Keeps a county's entries in the caller's transaction, to be written once the county is ready.</summary>
    public static async Task ParkAsync(
        EvaluationDbContext db, Guid countyId, string consumer, IReadOnlyList<(LedgerEntry Entry, Guid? MessageId)> entries, string reason,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var messageIds = entries.Select(e => e.MessageId).ToArray();
        var json = entries.Select(e => JsonSerializer.Serialize(e.Entry, Json)).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO parked_entries (county_id, consumer, message_id, entry, reason, parked_at)
            SELECT {countyId}, {consumer}, u.message_id, u.entry::jsonb, {TextCut.Shorten(reason, 200)}, {now}
            FROM unnest({messageIds}, {json}) AS u(message_id, entry)
            """, cancellationToken);
    }

    /// <summary>
    /// Writes the parked entries of one county whose county and settings have arrived meanwhile and
    /// removes them, in one transaction; answers how many were written (0 while it is still not ready).
    /// </summary>
    public static async Task<int> RetryAsync(IServiceScopeFactory scopes, Guid countyId, int batchSize, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(countyId);
        var db = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
        db.Database.AutoSavepointsEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var parked = await db.Set<ParkedEntry>()
            .FromSql($"SELECT * FROM parked_entries WHERE county_id = {countyId} ORDER BY id LIMIT {batchSize} FOR UPDATE SKIP LOCKED")
            .AsNoTracking().ToListAsync(cancellationToken);
        if (parked.Count == 0)
        {
            return 0;
        }
        var entries = parked.Select(p => (JsonSerializer.Deserialize<LedgerEntry>(p.Entry, Json)!, p.MessageId)).ToList();
        try
        {
            await Ledger.WriteManyAsync(db, countyId, entries, now, cancellationToken);
        }
        catch (CountyNotReadyException)
        {
            return 0;
        }
        var ids = parked.Select(p => p.Id).ToArray();
        await db.Database.ExecuteSqlAsync($"DELETE FROM parked_entries WHERE id = ANY({ids})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return parked.Count;
    }
}

/// <summary>Tries parked entries again every <see cref="ParkedEntriesOptions.RetryInterval"/>, county by county.</summary>
public sealed class ParkedEntriesRetry(IServiceScopeFactory scopes, TimeProvider clock, IOptions<ParkedEntriesOptions> options, ILogger<ParkedEntriesRetry> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetryInterval, clock);
        do
        {
            try
            {
                await RetryAllAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "Parked service-record entries could not be tried again; retrying.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RetryAllAsync(CancellationToken cancellationToken)
    {
        List<Guid> counties;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
            counties = await db.Database.SqlQuery<Guid>($"SELECT DISTINCT county_id AS \"Value\" FROM parked_entries").ToListAsync(cancellationToken);
        }
        foreach (var county in counties)
        {
            int written;
            while ((written = await ParkedEntries.RetryAsync(scopes, county, options.Value.BatchSize, clock.GetUtcNow(), cancellationToken)) > 0)
            {
                logger.LogInformation("Wrote {Count} parked service-record entries of county {County}.", written, county);
            }
        }
    }
}
