using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Platform.Contracts.Registry;
using Platform.Evaluation.Periods;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Http;

namespace Platform.Evaluation.Records;

/// <summary>A line to write, before it is booked to a month and priced by the county's rules.</summary>
/// <param name="RuleCode">The points rule that prices this kind of line, if the county defines it.</param>
/// <param name="Quantity">How many times the rule applies (e.g. hours of service); 1 for a single occurrence.</param>
/// <param name="FixedPoints">Points given outright (a correction), instead of a rule.</param>
public sealed record LineDraft(
    string SubjectKind,
    Guid SubjectId,
    string Kind,
    string? RuleCode = null,
    decimal Quantity = 1,
    Guid? UnitId = null,
    Guid? CommunityId = null,
    Guid? GridId = null,
    Guid? RequestId = null,
    Guid? ActivityId = null,
    int ServiceMinutes = 0,
    string? Detail = null,
    decimal? FixedPoints = null,
    Guid? CorrectsId = null,
    string? RecordedBy = null)
{
    /// <summary>
    /// What the line says (a reason, a rating, an activity's kind), cut to the 200 characters the ledger
    /// keeps: a longer one, such as a reopening's 500-character reason, would fail the whole batch.
    /// </summary>
    public string? Detail { get; init; } = Detail is null ? null : TextCut.Shorten(Detail, MaxDetailLength);

    public const int MaxDetailLength = 200;
}

/// <summary>What one event (or one correction) adds: lines of the service record and, for a request event, the event itself.</summary>
public sealed record LedgerEntry(
    string SourceEvent,
    string SourceKey,
    DateTimeOffset OccurredAt,
    IReadOnlyList<LineDraft> Lines,
    RequestEvent? Request = null);

/// <summary>
/// Writes to the ledger inside the caller's transaction: books each line to its month (the first open
/// month when the one it occurred in is closed), prices it by the rule in effect when it occurred,
/// inserts what is new (a line or request event already there, by its source key, is skipped) and
/// adds the new lines' points to the stored tallies — two round trips.
/// </summary>
public static class Ledger
{
    public const string CorrectionRule = "correction";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ConcurrentDictionary<Guid, TimeZoneInfo> Zones = new();
    private static readonly ConcurrentDictionary<(Guid County, int Version), CountySettings> SettingsCache = new();

    /// <summary>The lock that orders ledger writes (shared) against closing a period (exclusive).</summary>
    public static long LockKey(Guid countyId) => BitConverter.ToInt64(countyId.ToByteArray(), 0) ^ 0x5EC0_4D00;

    public static async Task<TimeZoneInfo> ZoneAsync(EvaluationDbContext db, Guid countyId, CancellationToken cancellationToken)
    {
        if (Zones.TryGetValue(countyId, out var zone))
        {
            return zone;
        }
        var id = await db.Counties.AsNoTracking().Where(c => c.Id == countyId).Select(c => c.TimeZone).FirstOrDefaultAsync(cancellationToken)
            ?? throw new CountyNotReadyException(countyId, "the county's registration");
        return Zones[countyId] = CountyCalendar.Zone(id);
    }

    /// <summary>The settings version in effect at a moment (or the county's first, for a moment before any took effect).</summary>
    public static async Task<(int Version, CountySettings Settings)?> SettingsAtAsync(EvaluationDbContext db, Guid countyId, DateTimeOffset moment, CancellationToken cancellationToken)
    {
        var version = await db.Settings.Standing()
            .OrderBy(s => s.EffectiveFrom > moment).ThenByDescending(s => s.EffectiveFrom <= moment ? s.Version : -s.Version)
            .Select(s => (int?)s.Version).FirstOrDefaultAsync(cancellationToken);
        return version is { } v ? (v, await SettingsAsync(db, countyId, v, cancellationToken)) : null;
    }

    private static async Task<CountySettings> SettingsAsync(EvaluationDbContext db, Guid countyId, int version, CancellationToken cancellationToken)
    {
        if (SettingsCache.TryGetValue((countyId, version), out var cached))
        {
            return cached;
        }
        // Versions never change once published: each is read once.
        var settings = await db.Settings.AsNoTracking().Where(s => s.Version == version).Select(s => s.Settings).FirstAsync(cancellationToken);
        return SettingsCache[(countyId, version)] = settings;
    }

    public static Task WriteAsync(EvaluationDbContext db, Guid countyId, LedgerEntry entry, Guid? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteManyAsync(db, countyId, [(entry, messageId)], now, cancellationToken);

    /// <summary>Writes the entries of one county (e.g. a batch of messages) in the caller's transaction: two round trips whatever their number.</summary>
    public static async Task WriteManyAsync(
        EvaluationDbContext db, Guid countyId, IReadOnlyList<(LedgerEntry Entry, Guid? MessageId)> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction
            ?? throw new InvalidOperationException("Ledger writes run inside a transaction.");
        var connection = transaction.Connection!;
        var zone = await ZoneAsync(db, countyId, cancellationToken);

        // Round trip 1: the shared lock (a close waits for writes in flight), the closed periods, the settings versions.
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var versions = new List<(int Version, DateTimeOffset EffectiveFrom)>();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock_shared($1)", LockKey(countyId)));
            batch.BatchCommands.Add(Command("SELECT period FROM closed_periods WHERE county_id = $1", countyId));
            batch.BatchCommands.Add(Command("SELECT version, effective_from FROM registry_county_settings WHERE county_id = $1 AND withdrawn_at IS NULL ORDER BY version", countyId));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                closed.Add(reader.GetString(0));
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                versions.Add((reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1)));
            }
        }

        var lines = new List<PricedLine>();
        var requests = new List<(RequestEvent Event, Guid? MessageId)>();
        foreach (var (entry, messageId) in entries)
        {
            var occurredMonth = CountyCalendar.MonthOf(entry.OccurredAt, zone);
            var month = BookedMonth(occurredMonth, closed);
            (int Version, CountySettings Settings)? settings = null;
            if (entry.Lines.Any(l => l.RuleCode is not null && l.FixedPoints is null))
            {
                var version = VersionAt(versions, entry.OccurredAt) ?? throw new CountyNotReadyException(countyId, "the county's settings");
                settings = (version, await SettingsAsync(db, countyId, version, cancellationToken));
            }
            lines.AddRange(entry.Lines.Select(line => Priced(entry, line, month, month != occurredMonth, settings, messageId)));
            if (entry.Request is { } request)
            {
                requests.Add((request, messageId));
            }
        }

        // Round trip 2: the lines (and their tallies) and the request events, each skipped if already there.
        await using var write = new NpgsqlBatch(connection, transaction);
        foreach (var chunk in lines.Chunk(1000))
        {
            write.BatchCommands.Add(InsertLines(countyId, chunk, now));
        }
        foreach (var chunk in requests.Chunk(1000))
        {
            write.BatchCommands.Add(InsertRequestEvents(countyId, chunk, now));
        }
        if (write.BatchCommands.Count > 0)
        {
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The newest version effective at the moment, or the first version for a moment before any took effect.</summary>
    public static int? VersionAt(IReadOnlyList<(int Version, DateTimeOffset EffectiveFrom)> versions, DateTimeOffset moment) =>
        versions.Where(v => v.EffectiveFrom <= moment).Select(v => (int?)v.Version).LastOrDefault() ?? versions.Select(v => (int?)v.Version).FirstOrDefault();

    private sealed record PricedLine(LedgerEntry Entry, LineDraft Line, string Month, bool Late, string? RuleCode, int? SettingsVersion, decimal Points, decimal? Cap, Guid? MessageId);

    private static PricedLine Priced(LedgerEntry entry, LineDraft line, string month, bool late, (int Version, CountySettings Settings)? settings, Guid? messageId)
    {
        if (line.FixedPoints is { } points)
        {
            return new PricedLine(entry, line, month, late, CorrectionRule, 0, points, null, messageId);
        }
        var rule = line.RuleCode is { } code ? settings?.Settings.PointsRules.FirstOrDefault(r => r.Code == code) : null;
        return rule is null
            ? new PricedLine(entry, line, month, late, null, null, 0, null, messageId)
            : new PricedLine(entry, line, month, late, rule.Code, settings!.Value.Version, Price(rule, line.Quantity), rule.CapPerPeriod, messageId);
    }

    /// <summary>The month a line counts in: the month it occurred, or the first month after it that is not closed.</summary>
    public static string BookedMonth(string occurredMonth, IReadOnlySet<string> closed)
    {
        Period.TryParse(occurredMonth, out var month);
        while (month.Enclosing.Any(closed.Contains))
        {
            var next = month.FirstDay.AddMonths(1);
            month = Period.MonthOf(next);
        }
        return month.Key;
    }

    /// <summary>A rule's points times the quantity, to the cent.</summary>
    public static decimal Price(PointsRule rule, decimal quantity) => Math.Round(rule.Points * quantity, 2, MidpointRounding.AwayFromZero);

    /// <summary>A sum held within a cap (a cap bounds deductions the same way).</summary>
    public static decimal Clamp(decimal points, decimal? cap) => cap is not { } c ? points : Math.Max(-c, Math.Min(c, points));

    private const string ClampSql = "CASE WHEN {1} IS NULL THEN {0} WHEN {0} > {1} THEN {1} WHEN {0} < -{1} THEN -{1} ELSE {0} END";

    private static NpgsqlBatchCommand InsertLines(Guid countyId, IReadOnlyList<PricedLine> lines, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand();
        var county = Scalar(command, countyId, NpgsqlDbType.Uuid);
        var recordedAt = Scalar(command, now, NpgsqlDbType.TimestampTz);
        var rows = new RowArrays(command)
            .Add("id", "uuid", lines.Select(_ => Guid.CreateVersion7(now)), NpgsqlDbType.Uuid)
            .Add("subject_kind", "text", lines.Select(l => l.Line.SubjectKind), NpgsqlDbType.Text)
            .Add("subject_id", "uuid", lines.Select(l => l.Line.SubjectId), NpgsqlDbType.Uuid)
            .Add("kind", "text", lines.Select(l => l.Line.Kind), NpgsqlDbType.Text)
            .Add("occurred_at", "timestamptz", lines.Select(l => l.Entry.OccurredAt), NpgsqlDbType.TimestampTz)
            .Add("month", "text", lines.Select(l => l.Month), NpgsqlDbType.Text)
            .Add("late", "boolean", lines.Select(l => l.Late), NpgsqlDbType.Boolean)
            .Add("unit_id", "uuid", lines.Select(l => l.Line.UnitId), NpgsqlDbType.Uuid)
            .Add("community_id", "uuid", lines.Select(l => l.Line.CommunityId), NpgsqlDbType.Uuid)
            .Add("grid_id", "uuid", lines.Select(l => l.Line.GridId), NpgsqlDbType.Uuid)
            .Add("request_id", "uuid", lines.Select(l => l.Line.RequestId), NpgsqlDbType.Uuid)
            .Add("activity_id", "uuid", lines.Select(l => l.Line.ActivityId), NpgsqlDbType.Uuid)
            .Add("source_event", "text", lines.Select(l => l.Entry.SourceEvent), NpgsqlDbType.Text)
            .Add("source_key", "text", lines.Select(l => l.Entry.SourceKey), NpgsqlDbType.Text)
            .Add("source_message_id", "uuid", lines.Select(l => l.MessageId), NpgsqlDbType.Uuid)
            .Add("rule_code", "text", lines.Select(l => l.RuleCode), NpgsqlDbType.Text)
            .Add("settings_version", "integer", lines.Select(l => l.SettingsVersion), NpgsqlDbType.Integer)
            .Add("points", "numeric", lines.Select(l => l.Points), NpgsqlDbType.Numeric)
            .Add("cap", "numeric", lines.Select(l => l.Cap), NpgsqlDbType.Numeric)
            .Add("service_minutes", "integer", lines.Select(l => l.Line.ServiceMinutes), NpgsqlDbType.Integer)
            .Add("detail", "text", lines.Select(l => l.Line.Detail), NpgsqlDbType.Text)
            .Add("corrects_id", "uuid", lines.Select(l => l.Line.CorrectsId), NpgsqlDbType.Uuid)
            .Add("recorded_by", "text", lines.Select(l => l.Line.RecordedBy), NpgsqlDbType.Text);
        var clamp = string.Format(CultureInfo.InvariantCulture, ClampSql, "t.points + excluded.points", "t.cap");
        var firstClamp = string.Format(CultureInfo.InvariantCulture, ClampSql, "sum(points)", "max(cap)");
        // Two copies of one event in the same statement (the same source under two message ids) keep one: DISTINCT ON the unique key.
        command.CommandText = $"""
            WITH incoming AS (
                SELECT u.id, {county} AS county_id, u.subject_kind, u.subject_id, u.kind, u.occurred_at, u.month, u.late, u.unit_id, u.community_id,
                    u.grid_id, u.request_id, u.activity_id, u.source_event, u.source_key, u.source_message_id, u.rule_code, u.settings_version,
                    u.points, u.cap, u.service_minutes, u.detail, u.corrects_id, u.recorded_by, {recordedAt} AS recorded_at
                FROM {rows.Unnest}),
            inserted AS (
                INSERT INTO service_records (id, county_id, subject_kind, subject_id, kind, occurred_at, month, late, unit_id, community_id, grid_id,
                    request_id, activity_id, source_event, source_key, source_message_id, rule_code, settings_version, points, cap, service_minutes,
                    detail, corrects_id, recorded_by, recorded_at)
                SELECT DISTINCT ON (source_key, subject_kind, subject_id, kind) * FROM incoming
                ON CONFLICT (source_key, subject_kind, subject_id, kind) DO NOTHING
                RETURNING county_id, subject_kind, subject_id, month, rule_code, settings_version, points, cap)
            INSERT INTO points_tallies AS t (county_id, member_id, month, rule_code, settings_version, points, cap, capped, entries)
            SELECT county_id, subject_id, month, rule_code, settings_version, sum(points), max(cap), {firstClamp}, count(*)
            FROM inserted WHERE subject_kind = 'member' AND rule_code IS NOT NULL
            GROUP BY county_id, subject_id, month, rule_code, settings_version
            ORDER BY subject_id, month, rule_code, settings_version
            ON CONFLICT (county_id, member_id, month, rule_code, settings_version) DO UPDATE
            SET points = t.points + excluded.points, entries = t.entries + excluded.entries, capped = {clamp}
            """;
        return command;
    }

    private static NpgsqlBatchCommand InsertRequestEvents(Guid countyId, IReadOnlyList<(RequestEvent Event, Guid? MessageId)> events, DateTimeOffset now)
    {
        var command = new NpgsqlBatchCommand();
        var county = Scalar(command, countyId, NpgsqlDbType.Uuid);
        var recordedAt = Scalar(command, now, NpgsqlDbType.TimestampTz);
        var rows = new RowArrays(command)
            .Add("request_id", "uuid", events.Select(e => e.Event.RequestId), NpgsqlDbType.Uuid)
            .Add("version", "integer", events.Select(e => e.Event.Version), NpgsqlDbType.Integer)
            .Add("event_type", "text", events.Select(e => e.Event.EventType), NpgsqlDbType.Text)
            .Add("source_key", "text", events.Select(e => e.Event.SourceKey), NpgsqlDbType.Text)
            .Add("source_message_id", "uuid", events.Select(e => e.MessageId), NpgsqlDbType.Uuid)
            .Add("occurred_at", "timestamptz", events.Select(e => e.Event.OccurredAt), NpgsqlDbType.TimestampTz)
            .Add("status", "text", events.Select(e => e.Event.Status), NpgsqlDbType.Text)
            .Add("tier", "text", events.Select(e => e.Event.Tier), NpgsqlDbType.Text)
            .Add("category", "text", events.Select(e => e.Event.Category), NpgsqlDbType.Text)
            .Add("is_micro_wish", "boolean", events.Select(e => e.Event.IsMicroWish), NpgsqlDbType.Boolean)
            .Add("community_id", "uuid", events.Select(e => e.Event.CommunityId), NpgsqlDbType.Uuid)
            .Add("street_id", "uuid", events.Select(e => e.Event.StreetId), NpgsqlDbType.Uuid)
            .Add("grid_id", "uuid", events.Select(e => e.Event.GridId), NpgsqlDbType.Uuid)
            .Add("unit_id", "uuid", events.Select(e => e.Event.UnitId), NpgsqlDbType.Uuid)
            // Arrays of different lengths cannot make one two-dimensional array: each row's members travel as the text of a uuid[].
            .Add("member_ids", "text", events.Select(e => "{" + string.Join(',', e.Event.MemberIds) + "}"), NpgsqlDbType.Text)
            .Add("placed_at", "timestamptz", events.Select(e => e.Event.PlacedAt), NpgsqlDbType.TimestampTz)
            .Add("response_due_at", "timestamptz", events.Select(e => e.Event.ResponseDueAt), NpgsqlDbType.TimestampTz)
            .Add("responded_at", "timestamptz", events.Select(e => e.Event.RespondedAt), NpgsqlDbType.TimestampTz)
            .Add("completion_due_at", "timestamptz", events.Select(e => e.Event.CompletionDueAt), NpgsqlDbType.TimestampTz)
            .Add("completed_at", "timestamptz", events.Select(e => e.Event.CompletedAt), NpgsqlDbType.TimestampTz)
            .Add("reopen_count", "integer", events.Select(e => e.Event.ReopenCount), NpgsqlDbType.Integer)
            .Add("satisfaction", "text", events.Select(e => e.Event.Satisfaction), NpgsqlDbType.Text)
            .Add("resolved", "boolean", events.Select(e => e.Event.Resolved), NpgsqlDbType.Boolean)
            .Add("on_time", "boolean", events.Select(e => e.Event.OnTime), NpgsqlDbType.Boolean)
            .Add("detail", "text", events.Select(e => e.Event.Detail), NpgsqlDbType.Text);
        command.CommandText = $"""
            INSERT INTO request_events (county_id, request_id, version, event_type, source_key, source_message_id, occurred_at, status, tier, category,
                is_micro_wish, community_id, street_id, grid_id, unit_id, member_ids, placed_at, response_due_at, responded_at, completion_due_at,
                completed_at, reopen_count, satisfaction, resolved, on_time, detail, recorded_at)
            SELECT {county}, u.request_id, u.version, u.event_type, u.source_key, u.source_message_id, u.occurred_at, u.status, u.tier, u.category,
                u.is_micro_wish, u.community_id, u.street_id, u.grid_id, u.unit_id, u.member_ids::uuid[], u.placed_at, u.response_due_at, u.responded_at,
                u.completion_due_at, u.completed_at, u.reopen_count, u.satisfaction, u.resolved, u.on_time, u.detail, {recordedAt}
            FROM {rows.Unnest}
            ON CONFLICT (source_key) DO NOTHING
            """;
        return command;
    }

    /// <summary>A value the whole statement shares, as its parameter reference with its type.</summary>
    private static string Scalar(NpgsqlBatchCommand command, object value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return $"${command.Parameters.Count.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// Rows sent as one array per column and unnested in the statement: its text is the same whatever the
    /// number of rows, so PostgreSQL and Npgsql prepare it once, where a VALUES list of N rows is a new
    /// statement to parse and plan for each N.
    /// </summary>
    private sealed class RowArrays(NpgsqlBatchCommand command)
    {
        private readonly List<string> _arrays = [];
        private readonly List<string> _names = [];

        public RowArrays Add<T>(string name, string type, IEnumerable<T> values, NpgsqlDbType elementType)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | elementType });
            _arrays.Add($"${command.Parameters.Count.ToString(CultureInfo.InvariantCulture)}::{type}[]");
            _names.Add(name);
            return this;
        }

        /// <summary>The FROM item: <c>unnest(...) AS u(columns)</c>.</summary>
        public string Unnest => $"unnest({string.Join(", ", _arrays)}) AS u({string.Join(", ", _names)})";
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }

    internal static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
}
