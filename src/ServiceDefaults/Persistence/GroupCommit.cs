using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using NpgsqlTypes;
using Platform.ServiceDefaults.Messaging.Outbox;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>Whether and how the saves of concurrent scopes share transactions (<see cref="GroupCommit"/>).</summary>
public sealed class GroupCommitOptions
{
    public const string Section = "Persistence:GroupCommit";

    /// <summary>Off: every save is its own transaction, as <see cref="DbContext.SaveChangesAsync(CancellationToken)"/> makes it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most saves one transaction takes.</summary>
    public int MaxSaves { get; set; } = 64;

    /// <summary>
    /// Writers committing groups side by side. One by default: under `bench/run dispatch` two
    /// placed and dispatched no more, and their groups waited on each other now and then
    /// (placement p99 250 ms against 160–185 ms).
    /// </summary>
    public int Writers { get; set; } = 1;
}

/// <summary>
/// Group commit: the saves of concurrent scopes (<see cref="ServiceDbContext.SaveChangesGroupedAsync"/>)
/// written together, in one transaction and one round trip: the new rows of each table in one
/// statement over arrays (<c>unnest</c>), each changed row by its key. A placing and a command each write a handful of rows;
/// written alone, each pays its own round trips, statements, executor start-ups and commit with
/// its WAL flush, which cost PostgreSQL (and the service) several times the rows' own work.
/// <para>
/// What is saved together is all or nothing, like a save alone; and nothing changes for a caller.
/// A save the group cannot take (inside an explicit transaction, a deletion, a type it does not
/// map) is saved alone. When PostgreSQL refuses a group (a constraint, a version that moved on),
/// nothing of it is written and each of its saves is saved alone, so that each gets exactly the
/// outcome and the error it would have had; so too when the database cannot be reached. When the
/// answer to a group sent does not come, whether it committed is not known: its saves fail, as a
/// save alone whose commit failed does.
/// </para>
/// Writers take saves as they come: while they commit their groups, the next ones gather, so a group
/// is as large as the load makes it and a save alone waits for no timer.
/// <para>
/// Traces: a save is a span (<c>group commit save</c>) in the trace of the request or message that made
/// it, from handing its rows over to the group's outcome. Its group is a span of its own
/// (<c>group commit</c>, the root of a trace holding the group's SQL), linked with each of its saves'
/// spans both ways, as a batch is in OpenTelemetry's conventions: from a slow request to the
/// statement it waited for, and from a group to every request it served.
/// </para>
/// </summary>
public sealed partial class GroupCommit(IOptions<GroupCommitOptions> options, OutboxSignal outbox, ILogger<GroupCommit>? log = null) : BackgroundService
{
    private readonly Channel<PendingSave> saves = Channel.CreateUnbounded<PendingSave>();
    private readonly ConcurrentDictionary<IEntityType, TablePlan?> plans = new();
    private readonly Lock sourceLock = new();
    private NpgsqlDataSource? source;
    private volatile bool running;
    private long groups;
    private long groupedSaves;
    private long handedBack;
    private int committing;

    /// <summary>Whether saves are taken: on in the options, and the writer running (a host not started saves alone).</summary>
    public bool Enabled => running && options.Value.Enabled;

    /// <summary>Groups committed since the start.</summary>
    public long Groups => Interlocked.Read(ref groups);

    /// <summary>Saves committed in those groups.</summary>
    public long GroupedSaves => Interlocked.Read(ref groupedSaves);

    /// <summary>Saves of groups that failed before their commit, handed back to be saved alone.</summary>
    public long HandedBack => Interlocked.Read(ref handedBack);

    /// <summary>Saves waiting for the writer.</summary>
    public int Waiting => saves.Reader.Count;

    /// <summary>The writers with a group in hand.</summary>
    public int Committing => Volatile.Read(ref committing);

    /// <summary>
    /// Saves the context's changes (already stamped) with others'. False when this save is not one
    /// the group takes, or the group it was in failed before committing: the caller saves it alone.
    /// </summary>
    internal async Task<bool> TrySaveAsync(ServiceDbContext db, bool hasOutbox)
    {
        if (!running || Take(db) is not { } rows)
        {
            return false;
        }
        if (rows.Count == 0)
        {
            return true;
        }
        source ??= CreateSource(db);
        // Started before the writer can take the save: the group's span links to it.
        using var span = PlatformTelemetry.Source.StartActivity("group commit save");
        span?.SetTag("platform.group_commit.rows", rows.Count);
        var pending = new PendingSave(db.TenantCountyId, rows, hasOutbox, span);
        if (!saves.Writer.TryWrite(pending))
        {
            span?.SetTag("platform.group_commit.handed_back", true);
            return false;
        }
        try
        {
            // Not cancelled with the caller: once handed over, a save commits or not as the group does.
            var committed = await pending.Done.Task;
            if (!committed)
            {
                span?.SetTag("platform.group_commit.handed_back", true);
            }
            return committed;
        }
        catch (Exception exception)
        {
            span?.SetStatus(ActivityStatusCode.Error, exception.Message);
            throw;
        }
    }

    private NpgsqlDataSource CreateSource(ServiceDbContext db)
    {
        lock (sourceLock)
        {
            return source ??= NpgsqlDataSource.Create(db.Database.GetConnectionString()
                ?? throw new InvalidOperationException("The context has no connection string."));
        }
    }

    /// <summary>The rows of the tracked changes, or null when one of them is not for the group.</summary>
    private List<RowWrite>? Take(ServiceDbContext db)
    {
        var rows = new List<RowWrite>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached)
            {
                continue;
            }
            if (entry.State is not (EntityState.Added or EntityState.Modified)
                || plans.GetOrAdd(entry.Metadata, TablePlan.For) is not { } plan
                || plan.Values(entry) is not { } values)
            {
                return null;
            }
            rows.Add(new RowWrite(plan, entry.State == EntityState.Modified, values));
        }
        return rows;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        running = true;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.Writers)).Select(_ => WriteAsync(stoppingToken)));
        }
        finally
        {
            // Whatever is still waiting is saved by its caller, alone; and so is whatever comes now
            // (a closed channel takes nothing).
            running = false;
            saves.Writer.TryComplete();
            while (saves.Reader.TryRead(out var save))
            {
                save.Done.TrySetResult(false);
            }
        }
    }

    /// <summary>One writer: takes what is waiting, up to a group, and commits it; then again.</summary>
    private async Task WriteAsync(CancellationToken stoppingToken)
    {
        // A group belongs to no one request's trace: each starts a trace of its own.
        Activity.Current = null;
        var group = new List<PendingSave>();
        try
        {
            while (await saves.Reader.WaitToReadAsync(stoppingToken))
            {
                while (group.Count < Math.Max(1, options.Value.MaxSaves) && saves.Reader.TryRead(out var save))
                {
                    group.Add(save);
                }
                if (group.Count == 0)
                {
                    continue;
                }
                Interlocked.Increment(ref committing);
                try
                {
                    await CommitAsync(group, stoppingToken);
                }
                finally
                {
                    Interlocked.Decrement(ref committing);
                }
                group.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var save in group)
            {
                save.Done.TrySetResult(false);
            }
        }
    }

    public override void Dispose()
    {
        source?.Dispose();
        base.Dispose();
    }

    private async Task CommitAsync(List<PendingSave> group, CancellationToken cancellationToken)
    {
        using var activity = Trace(group);
        NpgsqlConnection connection;
        try
        {
            connection = await source!.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogGroupFailed(Log, group.Count, exception.Message);
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            Finish(group, false);
            return;
        }
        await using (connection)
        {
            await using var batch = Batch(connection, group);
            try
            {
                // One round trip. A batch sent outside an explicit transaction is one implicit
                // transaction to PostgreSQL: committed at its end, or, when a statement fails, not at all.
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException exception)
            {
                // Refused (a constraint, a version that moved on): nothing of the group was written.
                LogGroupFailed(Log, group.Count, exception.Message);
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                Finish(group, false);
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                // No answer: whether the group committed is not known. Like a save alone whose commit
                // failed, the saves fail (a save alone now could write them twice).
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                foreach (var save in group)
                {
                    save.Done.TrySetException(exception);
                }
                return;
            }
        }
        if (group.Any(s => s.HasOutbox))
        {
            outbox.Notify();
        }
        Finish(group, true);
    }

    private ILogger Log => (ILogger?)log ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The group's span, linked to its saves' spans and they to it; null when no one listens.</summary>
    private static Activity? Trace(List<PendingSave> group)
    {
        var links = group.Where(s => s.Span is not null).Select(s => new ActivityLink(s.Span!.Context)).ToList();
        var activity = PlatformTelemetry.Source.StartActivity("group commit", ActivityKind.Internal, default(ActivityContext), links: links);
        if (activity is null)
        {
            return null;
        }
        activity.SetTag("platform.group_commit.saves", group.Count);
        activity.SetTag("platform.group_commit.counties", group.Select(s => s.CountyId).Distinct().Count());
        // The group's trace id as a tag too: the operations dashboard shows tags, not links.
        var traceId = activity.TraceId.ToHexString();
        foreach (var save in group)
        {
            save.Span?.AddLink(new ActivityLink(activity.Context));
            save.Span?.SetTag("platform.group_commit.trace_id", traceId);
        }
        return activity;
    }

    /// <summary>The group's statements: per county, its county for the transaction, the inserts in the order of their foreign keys, then the updates.</summary>
    private static NpgsqlBatch Batch(NpgsqlConnection connection, List<PendingSave> group)
    {
        var batch = new NpgsqlBatch(connection);
        foreach (var county in group.GroupBy(s => s.CountyId))
        {
            if (county.Key is { } countyId)
            {
                // For this transaction only: the writer's sessions act for no county.
                var tell = new NpgsqlBatchCommand("SELECT set_config('app.tenant_id', $1, true)");
                tell.Parameters.Add(new NpgsqlParameter { Value = countyId.ToString() });
                batch.BatchCommands.Add(tell);
            }
            // Inserts first, principals before dependents, then updates: the order of EF Core's own
            // save of such a change (a request's history line, then the request), so that a group and
            // a save alone racing for one request wait for each other rather than deadlock.
            foreach (var table in county.SelectMany(s => s.Rows).GroupBy(r => (r.Plan, r.IsUpdate))
                .OrderBy(t => t.Key.IsUpdate ? 1 : 0).ThenBy(t => t.Key.Plan.Order))
            {
                foreach (var command in table.Key.Plan.Commands(table.Key.IsUpdate, [.. table]))
                {
                    batch.BatchCommands.Add(command);
                }
            }
        }
        return batch;
    }

    private void Finish(List<PendingSave> group, bool committed)
    {
        if (committed)
        {
            Interlocked.Increment(ref groups);
            Interlocked.Add(ref groupedSaves, group.Count);
            PlatformTelemetry.GroupCommitSaves.Add(group.Count);
            PlatformTelemetry.GroupCommitGroups.Add(1);
        }
        else
        {
            Interlocked.Add(ref handedBack, group.Count);
            PlatformTelemetry.GroupCommitHandedBack.Add(group.Count);
        }
        foreach (var save in group)
        {
            save.Done.TrySetResult(committed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A group of {Saves} saves failed before its commit ({Reason}); each is saved alone")]
    private static partial void LogGroupFailed(ILogger logger, int saves, string reason);

    private sealed class PendingSave(Guid? countyId, List<RowWrite> rows, bool hasOutbox, Activity? span)
    {
        public Guid? CountyId { get; } = countyId;

        /// <summary>The save's span in its caller's trace, when traced.</summary>
        public Activity? Span { get; } = span;

        public List<RowWrite> Rows { get; } = rows;

        public bool HasOutbox { get; } = hasOutbox;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One row to insert, or to update (its key, then the concurrency tokens' original values, then the columns).</summary>
    private sealed record RowWrite(TablePlan Plan, bool IsUpdate, string?[] Values);

    /// <summary>
    /// How the rows of one entity type are written: every value sent as text in an array per column,
    /// cast to the column's type in the statement (so one statement text serves any number of rows
    /// and stays prepared).
    /// </summary>
    private sealed partial class TablePlan
    {
        /// <summary>An insert's parameters: every column's current value.</summary>
        private readonly (IProperty Property, bool Original)[] insertParameters;

        /// <summary>An update's: the key and the concurrency tokens as read, then the columns as they are now.</summary>
        private readonly (IProperty Property, bool Original)[] updateParameters;
        private readonly string insertSql;
        private readonly string updateSql;

        private TablePlan(IEntityType type, string table, StoreObjectIdentifier store, IProperty key, IProperty[] inserted, IProperty[] tokens, IProperty[] updated)
        {
            insertParameters = [.. inserted.Select(p => (p, false))];
            updateParameters = [.. tokens.Prepend(key).Select(p => (p, true)).Concat(updated.Select(p => (p, false)))];
            Order = Depth(type, []);
            string Column(IProperty p) => Quote(p.GetColumnName(store)!);
            string Cast(IProperty p) => CastType(p.GetColumnType(store));
            static string Arrays(int count) => string.Join(", ", Enumerable.Range(1, count).Select(i => $"${i}::text[]"));

            insertSql = $"INSERT INTO {table} ({string.Join(", ", inserted.Select(Column))}) SELECT "
                + string.Join(", ", inserted.Select((p, i) => $"u.c{i}::{Cast(p)}"))
                + $" FROM unnest({Arrays(inserted.Length)}) AS u({string.Join(", ", inserted.Select((_, i) => $"c{i}"))})";

            // An update is a statement per row, found by its key: joined to an array of keys, the
            // planner's generic plan (made while the table was small) scanned the whole table. A row
            // not changed (its version moved on, or another save of the group changed it first) fails
            // the statement, dividing by the count of rows changed, and so the group.
            var first = 2 + tokens.Length;
            updateSql = $"WITH changed AS (UPDATE {table} SET "
                + string.Join(", ", updated.Select((p, i) => $"{Column(p)} = ${first + i}::{Cast(p)}"))
                + $" WHERE {Column(key)} = $1::{Cast(key)}"
                + string.Concat(tokens.Select((p, i) => $" AND {Column(p)} IS NOT DISTINCT FROM ${2 + i}::{Cast(p)}"))
                + " RETURNING 1) SELECT 1 / count(*) FROM changed";
        }

        /// <summary>Inserts of principals come before those of their dependents.</summary>
        public int Order { get; }

        /// <summary>The plan of a plain entity type with a single-column key, or null for anything else (saved alone).</summary>
        public static TablePlan? For(IEntityType type)
        {
            if (type.GetTableName() is not { } name || type.BaseType is not null || type.GetDerivedTypes().Any() || type.IsOwned()
                || type.GetComplexProperties().Any() || type.GetNavigations().Any(n => n.TargetEntityType.IsOwned())
                || type.FindPrimaryKey() is not { Properties: [var key] })
            {
                return null;
            }
            var store = StoreObjectIdentifier.Table(name, type.GetSchema());
            var inserted = new List<IProperty>();
            foreach (var property in type.GetProperties())
            {
                // A fixed-length type's explicit cast pads or cuts where the assignment would refuse: not for the group.
                if (property.GetColumnName(store) is null || property.GetComputedColumnSql(store) is not null || property.GetDefaultValueSql(store) is not null
                    || property.GetColumnType(store) is not { } columnType || FixedLength().IsMatch(columnType))
                {
                    return null;
                }
                if (property.GetValueGenerationStrategy(store) is NpgsqlValueGenerationStrategy.IdentityAlwaysColumn
                    or NpgsqlValueGenerationStrategy.IdentityByDefaultColumn or NpgsqlValueGenerationStrategy.SerialColumn)
                {
                    continue;
                }
                if (property.ValueGenerated != ValueGenerated.Never && !property.IsConcurrencyToken && !property.IsPrimaryKey())
                {
                    return null;
                }
                inserted.Add(property);
            }
            var table = type.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(name)}" : Quote(name);
            var tokens = type.GetProperties().Where(p => p.IsConcurrencyToken && !p.IsPrimaryKey()).ToArray();
            var updated = inserted.Where(p => !p.IsPrimaryKey()).ToArray();
            return new TablePlan(type, table, store, key, [.. inserted], tokens, updated);
        }

        /// <summary>The row's values as text, or null when one cannot be written so (the save goes alone).</summary>
        public string?[]? Values(EntityEntry entry)
        {
            var parameters = entry.State == EntityState.Modified ? updateParameters : insertParameters;
            var values = new string?[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                if (!TryWrite(entry.Property(parameters[i].Property), parameters[i].Original, out values[i]))
                {
                    return null;
                }
            }
            return values;
        }

        /// <summary>The statements writing the rows: one insert for all of them, or an update per row (each fails unless it changes its row).</summary>
        public IEnumerable<NpgsqlBatchCommand> Commands(bool update, List<RowWrite> rows)
        {
            if (update)
            {
                foreach (var row in rows)
                {
                    var command = new NpgsqlBatchCommand(updateSql);
                    foreach (var value in row.Values)
                    {
                        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value });
                    }
                    yield return command;
                }
                yield break;
            }
            var insert = new NpgsqlBatchCommand(insertSql);
            var columns = rows[0].Values.Length;
            for (var c = 0; c < columns; c++)
            {
                var column = new string?[rows.Count];
                for (var r = 0; r < rows.Count; r++)
                {
                    column[r] = rows[r].Values[c];
                }
                insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = column });
            }
            yield return insert;
        }

        private static bool TryWrite(PropertyEntry property, bool original, out string? text)
        {
            var value = original ? property.OriginalValue : property.CurrentValue;
            if (property.IsTemporary)
            {
                text = null;
                return false;
            }
            if (value is not null && property.Metadata.GetTypeMapping().Converter is { } converter)
            {
                value = converter.ConvertToProvider(value);
            }
            return TryFormat(value, out text);
        }

        /// <summary>PostgreSQL's text form of a value, as Npgsql would have sent it (timestamps cut to microseconds, in UTC).</summary>
        internal static bool TryFormat(object? value, out string? text)
        {
            switch (value)
            {
                case null:
                    text = null;
                    return true;
                case string s:
                    text = s;
                    return true;
                case Guid g:
                    text = g.ToString();
                    return true;
                case bool b:
                    text = b ? "true" : "false";
                    return true;
                case int or long or short or decimal:
                    text = Convert.ToString(value, CultureInfo.InvariantCulture);
                    return true;
                case double d:
                    text = d.ToString("R", CultureInfo.InvariantCulture);
                    return true;
                case DateTimeOffset { Offset.Ticks: 0 } moment:
                    text = moment.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
                    return true;
                case DateOnly date:
                    text = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    return true;
                case IEnumerable<string?> items:
                    text = ArrayLiteral(items);
                    return true;
                default:
                    // Other offsets (Npgsql refuses them too), DateTime, bytes, …: saved alone.
                    text = null;
                    return false;
            }
        }

        private static string ArrayLiteral(IEnumerable<string?> items)
        {
            var builder = new StringBuilder("{");
            foreach (var item in items)
            {
                if (builder.Length > 1)
                {
                    builder.Append(',');
                }
                if (item is null)
                {
                    builder.Append("NULL");
                    continue;
                }
                builder.Append('"');
                foreach (var c in item)
                {
                    if (c is '"' or '\\')
                    {
                        builder.Append('\\');
                    }
                    builder.Append(c);
                }
                builder.Append('"');
            }
            return builder.Append('}').ToString();
        }

        /// <summary>
        /// The type to cast a text value to. A length limit is left to the column: an explicit cast to
        /// <c>character varying(n)</c> would cut a longer value silently, the assignment refuses it.
        /// </summary>
        private static string CastType(string? columnType) =>
            columnType is null ? throw new InvalidOperationException("A column without a type.") : LengthLimit().Replace(columnType, "$1");

        [GeneratedRegex(@"^(character varying|varchar)\(\d+\)")]
        private static partial Regex LengthLimit();

        [GeneratedRegex(@"^(character|char|bit|bit varying|varbit|numeric|decimal)\(")]
        private static partial Regex FixedLength();

        private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        private static int Depth(IEntityType type, HashSet<IEntityType> seen)
        {
            if (!seen.Add(type))
            {
                return 0;
            }
            var depth = 0;
            foreach (var foreignKey in type.GetForeignKeys())
            {
                if (foreignKey.PrincipalEntityType != type)
                {
                    depth = Math.Max(depth, 1 + Depth(foreignKey.PrincipalEntityType, seen));
                }
            }
            seen.Remove(type);
            return depth;
        }
    }
}
