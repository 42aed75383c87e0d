using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.Registry.Members;
using Platform.Registry.Organisations;
using Platform.Registry.Pairings;
using Platform.Registry.Reports;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Registry.Imports;

public sealed record ImportColumn(string Name, bool Required);

/// <summary>One import request: the county's database, the moment, and the errors found so far.</summary>
public sealed class ImportRun(RegistryDbContext db, ITenantContext tenant, DateTimeOffset now, CancellationToken cancellationToken)
{
    public RegistryDbContext Db { get; } = db;
    public ITenantContext Tenant { get; } = tenant;
    public DateTimeOffset Now { get; } = now;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public List<ImportError> Errors { get; } = [];

    public void Error(CsvRow row, string field, string rule) => Errors.Add(new ImportError(row.Line, field, rule));

    /// <summary>Runs the API's own field rules on a row: a rule named for a JSON field is reported under the CSV column.</summary>
    public void Check(CsvRow row, Action<ValidationErrors> rules, Func<string, string>? column = null)
    {
        var errors = new ValidationErrors();
        rules(errors);
        foreach (var (field, rule) in errors.Entries)
        {
            Error(row, column?.Invoke(field) ?? field, rule);
        }
    }
}

public interface IImporter
{
    IReadOnlyList<ImportColumn> Columns { get; }

    /// <summary>Validates every row (against the file and the database) and keeps what it parsed; returns all errors.</summary>
    Task<List<ImportError>> ValidateAsync(CsvTable table, ImportRun run);

    /// <summary>Applies the validated rows in one save: inserts, updates what changed, leaves identical rows alone.</summary>
    Task<ImportResult> ApplyAsync(CsvTable table, ImportRun run);
}

public static class Importers
{
    public static readonly IReadOnlyList<string> Kinds = ["areas", "organisations", "members", "pairings", "reports"];

    public static IImporter? For(string kind) => kind switch
    {
        "areas" => new AreaImporter(),
        "organisations" => new OrganisationImporter(),
        "members" => new MemberImporter(),
        "pairings" => new PairingImporter(),
        "reports" => new ReportImporter(),
        _ => null,
    };

    /// <summary>Splits a list cell: items separated by ';' or '、'.</summary>
    public static List<string> List(string? cell) =>
        (cell ?? "").Split([';', '、'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>Reports a code that appears twice in the file.</summary>
    public static void CheckUnique(ImportRun run, IEnumerable<(CsvRow Row, string? Key)> keys, string field)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (row, key) in keys)
        {
            if (key is null)
            {
                continue;
            }
            if (seen.TryGetValue(key, out var first))
            {
                run.Error(row, field, $"'{key}' already appears on row {first}: each one once per file.");
            }
            else
            {
                seen[key] = row.Line;
            }
        }
    }

    internal static async Task<ImportResult> SaveAsync(ImportRun run, string kind, int rows, int created, int updated)
    {
        // Large files: EF batches the inserts; one transaction for all (with the outbox events).
        await run.Db.SaveChangesAsync(run.CancellationToken);
        return new ImportResult(kind, rows, created, updated, rows - created - updated);
    }
}

/// <summary>areas: code, name, level, parent_code (empty for a street or township).</summary>
internal sealed class AreaImporter : IImporter
{
    private readonly List<(CsvRow Row, string Code, string Name, AreaLevel Level, string? ParentCode)> _rows = [];

    public IReadOnlyList<ImportColumn> Columns { get; } = [new("code", true), new("name", true), new("level", true), new("parent_code", false)];

    public async Task<List<ImportError>> ValidateAsync(CsvTable table, ImportRun run)
    {
        var existing = await run.Db.Areas.AsNoTracking().ToDictionaryAsync(a => a.Code, StringComparer.Ordinal, run.CancellationToken);
        var levels = new Dictionary<string, AreaLevel>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            run.Check(row, errors =>
            {
                AreasApi.ValidateCode(errors, row["code"]);
                errors.RequireText("name", row["name"], maxLength: 100);
            });
            if (!Wire.TryParse<AreaLevel>(row["level"], out var level))
            {
                run.Error(row, "level", $"'level' must be one of {Wire.Choices<AreaLevel>()}.");
                continue;
            }
            if (row["code"] is { } code)
            {
                levels.TryAdd(code, level);
                _rows.Add((row, code, row["name"] ?? "", level, row["parent_code"]));
            }
        }
        Importers.CheckUnique(run, _rows.Select(r => (r.Row, (string?)r.Code)), "code");
        var byId = existing.Values.ToDictionary(a => a.Id);
        var parents = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var r in _rows)
        {
            parents.TryAdd(r.Code, r.ParentCode);
        }
        foreach (var (row, code, _, level, parentCode) in _rows)
        {
            if (existing.TryGetValue(code, out var stored) && stored.RetiredAt is not null)
            {
                run.Error(row, "code", $"'{code}' is a retired node and cannot be changed; give a new node a new code.");
            }
            else if (stored is not null && stored.Level != level)
            {
                run.Error(row, "level", $"'{code}' is a {stored.Level.ToWire()}; a node's level never changes (retire it and add a new one).");
            }
            var allowed = AreaLevels.AllowedParents(level);
            if (parentCode is null)
            {
                if (allowed.Count > 0)
                {
                    run.Error(row, "parent_code", $"A {level.ToWire()} needs a parent ({string.Join(" or ", allowed.Select(l => l.ToWire()))}).");
                }
                continue;
            }
            if (allowed.Count == 0)
            {
                run.Error(row, "parent_code", $"A {level.ToWire()} sits directly under the county: leave parent_code empty.");
                continue;
            }
            if (existing.TryGetValue(parentCode, out var storedParent) && storedParent.RetiredAt is not null)
            {
                run.Error(row, "parent_code", $"'{parentCode}' is retired: nothing new sits under a retired node.");
                continue;
            }
            AreaLevel? parentLevel = levels.TryGetValue(parentCode, out var inFile) ? inFile
                : existing.TryGetValue(parentCode, out var inDb) && inDb.RetiredAt is null ? inDb.Level : null;
            if (parentLevel is null)
            {
                run.Error(row, "parent_code", $"No active node with code '{parentCode}' in this county or this file.");
            }
            else if (!allowed.Contains(parentLevel.Value))
            {
                run.Error(row, "parent_code", $"'{parentCode}' is a {parentLevel.Value.ToWire()}; a {level.ToWire()} sits under a {string.Join(" or ", allowed.Select(l => l.ToWire()))}.");
            }
            else if (stored is { RetiredAt: null } && level.IsGrid() && NewCommunity(level, parentCode, existing, parents) != OldCommunity(stored, byId)
                && await AreasApi.CommunityUsesAsync(run.Db, stored.Id, run.CancellationToken) is { } uses)
            {
                // As the API's move: a grid or compound does not change community under what names it with its community.
                run.Error(row, "parent_code", $"'{code}' cannot change community while {uses} name it with its community; move them first.");
            }
        }
        return run.Errors;
    }

    /// <summary>The community or village a stored grid (its parent) or compound (its parent's parent) sits in now.</summary>
    private static Guid? OldCommunity(Area stored, Dictionary<Guid, Area> byId) =>
        stored.Level == AreaLevel.Compound ? (stored.ParentId is { } grid && byId.TryGetValue(grid, out var parent) ? parent.ParentId : null) : stored.ParentId;

    /// <summary>
    /// The community or village a grid or compound would sit in under the parent the file gives it: the
    /// file's rows say where a parent goes, else the county's nodes. Null for a community new in the file.
    /// </summary>
    private static Guid? NewCommunity(AreaLevel level, string parentCode, Dictionary<string, Area> existing, Dictionary<string, string?> parents)
    {
        if (level == AreaLevel.Compound && !parents.ContainsKey(parentCode))
        {
            return existing.TryGetValue(parentCode, out var grid) ? grid.ParentId : null;
        }
        var communityCode = level == AreaLevel.Compound ? parents[parentCode] : parentCode;
        return communityCode is not null && existing.TryGetValue(communityCode, out var community) ? community.Id : null;
    }

    public async Task<ImportResult> ApplyAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        var stored = await db.Areas.ToDictionaryAsync(a => a.Code, StringComparer.Ordinal, run.CancellationToken);
        int created = 0, updated = 0;
        // Parents first, so a row's parent id is known: the level order is the tree order.
        foreach (var (_, code, name, level, _) in _rows.OrderBy(r => r.Level))
        {
            if (!stored.ContainsKey(code))
            {
                var area = new Area { Id = Guid.CreateVersion7(run.Now), Code = code, Name = name, Level = level, CreatedAt = run.Now };
                db.Areas.Add(area);
                stored[code] = area;
                created++;
            }
        }
        foreach (var (_, code, name, _, parentCode) in _rows)
        {
            var area = stored[code];
            var isNew = db.Entry(area).State == EntityState.Added;
            area.Name = name;
            area.ParentId = parentCode is null ? null : stored[parentCode].Id;
            if (isNew)
            {
                db.Advance(area);
                db.Outbox.Publish(RegistryEvents.Changed(area, RegistryChange.Imported, run.Now));
            }
            else if (db.Entry(area).State == EntityState.Modified)
            {
                db.Advance(area);
                db.Outbox.Publish(RegistryEvents.Changed(area, RegistryChange.Updated, run.Now));
                updated++;
            }
        }
        return await Importers.SaveAsync(run, "areas", _rows.Count, created, updated);
    }
}

/// <summary>organisations: code, name, kind, area_code (the community/village or grid it serves; empty for a unit).</summary>
internal sealed class OrganisationImporter : IImporter
{
    private readonly List<(CsvRow Row, string Code, string Name, OrganisationKind Kind, string? AreaCode)> _rows = [];

    public IReadOnlyList<ImportColumn> Columns { get; } = [new("code", true), new("name", true), new("kind", true), new("area_code", false)];

    public async Task<List<ImportError>> ValidateAsync(CsvTable table, ImportRun run)
    {
        var areas = await run.Db.Areas.AsNoTracking().Where(a => a.RetiredAt == null).ToDictionaryAsync(a => a.Code, a => a.Level, StringComparer.Ordinal, run.CancellationToken);
        var existing = await run.Db.Organisations.AsNoTracking().ToDictionaryAsync(o => o.Code, o => (o.Kind, Retired: o.RetiredAt != null), StringComparer.Ordinal, run.CancellationToken);
        foreach (var row in table.Rows)
        {
            run.Check(row, errors =>
            {
                AreasApi.ValidateCode(errors, row["code"]);
                errors.RequireText("name", row["name"], maxLength: 100);
            });
            if (!Wire.TryParse<OrganisationKind>(row["kind"], out var kind))
            {
                run.Error(row, "kind", $"'kind' must be one of {Wire.Choices<OrganisationKind>()}.");
                continue;
            }
            var areaCode = row["area_code"];
            if (kind.IsUnit() && areaCode is not null)
            {
                run.Error(row, "area_code", "A unit organisation has no area: leave area_code empty.");
            }
            else if (!kind.IsUnit())
            {
                if (areaCode is null)
                {
                    run.Error(row, "area_code", $"A {Wire.Of(kind)} organisation needs the area it serves.");
                }
                else if (!areas.TryGetValue(areaCode, out var level))
                {
                    run.Error(row, "area_code", $"No active area with code '{areaCode}' in this county.");
                }
                else if (kind == OrganisationKind.GridBranch ? !level.IsGrid() : !level.IsCommunity())
                {
                    run.Error(row, "area_code", $"'{areaCode}' is a {level.ToWire()}; a {Wire.Of(kind)} organisation serves a {(kind == OrganisationKind.GridBranch ? "grid or compound" : "community or village")}.");
                }
            }
            if (row["code"] is { } code)
            {
                if (existing.TryGetValue(code, out var stored) && stored.Retired)
                {
                    run.Error(row, "code", $"'{code}' is a retired organisation and cannot be changed; give a new organisation a new code.");
                }
                else if (existing.ContainsKey(code) && stored.Kind != kind)
                {
                    run.Error(row, "kind", $"'{code}' is a {Wire.Of(stored.Kind)}; an organisation's kind never changes.");
                }
                _rows.Add((row, code, row["name"] ?? "", kind, areaCode));
            }
        }
        Importers.CheckUnique(run, _rows.Select(r => (r.Row, (string?)r.Code)), "code");
        return run.Errors;
    }

    public async Task<ImportResult> ApplyAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        var areas = await db.Areas.AsNoTracking().ToDictionaryAsync(a => a.Code, a => a.Id, StringComparer.Ordinal, run.CancellationToken);
        var stored = await db.Organisations.ToDictionaryAsync(o => o.Code, StringComparer.Ordinal, run.CancellationToken);
        var officers = (await db.OrganisationOfficers.AsNoTracking().ToListAsync(run.CancellationToken)).ToLookup(o => o.OrganisationId);
        var alliances = (await db.AllianceMemberships.AsNoTracking().ToListAsync(run.CancellationToken)).ToLookup(m => m.AllianceId);
        int created = 0, updated = 0;
        foreach (var (_, code, name, kind, areaCode) in _rows)
        {
            var areaId = areaCode is null ? (Guid?)null : areas[areaCode];
            if (!stored.TryGetValue(code, out var organisation))
            {
                organisation = new Organisation { Id = Guid.CreateVersion7(run.Now), Code = code, Name = name, Kind = kind, AreaId = areaId, CreatedAt = run.Now };
                db.Organisations.Add(organisation);
                db.Advance(organisation);
                db.Outbox.Publish(RegistryEvents.Changed(organisation, RegistryChange.Imported, run.Now, [], []));
                created++;
                continue;
            }
            organisation.Name = name;
            organisation.AreaId = areaId;
            if (db.Entry(organisation).State == EntityState.Modified)
            {
                db.Advance(organisation);
                db.Outbox.Publish(RegistryEvents.Changed(organisation, RegistryChange.Updated, run.Now,
                    alliances[organisation.Id].Select(m => m.OrganisationId), officers[organisation.Id]));
                updated++;
            }
        }
        return await Importers.SaveAsync(run, "organisations", _rows.Count, created, updated);
    }
}

/// <summary>
/// members: code, name, phone, unit_code, community_code, grid_code, skills, intentions, availability
/// ("sat 09:00-12:00;sun 14:00-17:00"), demonstration_household (是/否, true/false, 1/0), grid_role
/// (reporting | without_post).
/// </summary>
internal sealed class MemberImporter : IImporter
{
    private static readonly Dictionary<string, DayOfWeek> Days = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mon"] = DayOfWeek.Monday, ["tue"] = DayOfWeek.Tuesday, ["wed"] = DayOfWeek.Wednesday, ["thu"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday, ["sat"] = DayOfWeek.Saturday, ["sun"] = DayOfWeek.Sunday,
        ["周一"] = DayOfWeek.Monday, ["周二"] = DayOfWeek.Tuesday, ["周三"] = DayOfWeek.Wednesday, ["周四"] = DayOfWeek.Thursday,
        ["周五"] = DayOfWeek.Friday, ["周六"] = DayOfWeek.Saturday, ["周日"] = DayOfWeek.Sunday,
    };

    private readonly List<Parsed> _rows = [];

    private sealed record Parsed(
        CsvRow Row, string Code, string Name, string Phone, Guid UnitId, Guid CommunityId, Guid? GridId, List<string> Skills, List<string> Intentions,
        List<AvailabilityWindow> Availability, bool Demonstration, GridRole? GridRole);

    public IReadOnlyList<ImportColumn> Columns { get; } =
    [
        new("code", true), new("name", true), new("phone", true), new("unit_code", true), new("community_code", true), new("grid_code", false),
        new("skills", false), new("intentions", false), new("availability", false), new("demonstration_household", false), new("grid_role", false),
    ];

    public async Task<List<ImportError>> ValidateAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        var areas = await db.Areas.AsNoTracking().Where(a => a.RetiredAt == null).ToDictionaryAsync(a => a.Code, StringComparer.Ordinal, run.CancellationToken);
        var areaById = areas.Values.ToDictionary(a => a.Id);
        var units = await db.Organisations.AsNoTracking().Where(o => o.RetiredAt == null)
            .ToDictionaryAsync(o => o.Code, StringComparer.Ordinal, run.CancellationToken);
        var candidates = new List<Parsed>();
        foreach (var row in table.Rows)
        {
            var skills = Importers.List(row["skills"]);
            var intentions = Importers.List(row["intentions"]);
            var availability = ParseAvailability(run, row);
            run.Check(row, errors =>
            {
                AreasApi.ValidateCode(errors, row["code"]);
                MembersApi.ValidateDetails(errors, row["name"], row["phone"], skills, intentions, availability);
            }, field => field.StartsWith("availability", StringComparison.Ordinal) ? "availability" : field);

            Guid unitId = default;
            if (row["unit_code"] is not { } unitCode)
            {
                run.Error(row, "unit_code", "'unit_code' is required.");
            }
            else if (!units.TryGetValue(unitCode, out var unit) || !unit.Kind.IsUnit())
            {
                run.Error(row, "unit_code", $"No active unit organisation with code '{unitCode}' in this county.");
            }
            else
            {
                unitId = unit.Id;
            }
            Guid communityId = default;
            Guid? gridId = null;
            if (row["community_code"] is not { } communityCode)
            {
                run.Error(row, "community_code", "'community_code' is required.");
            }
            else if (!areas.TryGetValue(communityCode, out var community) || !community.Level.IsCommunity())
            {
                run.Error(row, "community_code", $"No active community or village with code '{communityCode}' in this county.");
            }
            else
            {
                communityId = community.Id;
                if (row["grid_code"] is { } gridCode)
                {
                    if (!areas.TryGetValue(gridCode, out var grid) || !grid.Level.IsGrid())
                    {
                        run.Error(row, "grid_code", $"No active grid or compound with code '{gridCode}' in this county.");
                    }
                    else if ((grid.Level == AreaLevel.Compound ? areaById.GetValueOrDefault(grid.ParentId ?? Guid.Empty)?.ParentId : grid.ParentId) != community.Id)
                    {
                        run.Error(row, "grid_code", $"'{gridCode}' is not inside community '{communityCode}'.");
                    }
                    else
                    {
                        gridId = grid.Id;
                    }
                }
            }
            var demonstration = row["demonstration_household"] switch
            {
                null or "否" or "false" or "0" or "no" => (bool?)false,
                "是" or "true" or "1" or "yes" => true,
                _ => null,
            };
            if (demonstration is null)
            {
                run.Error(row, "demonstration_household", "'demonstration_household' must be 是/否, true/false or 1/0.");
            }
            GridRole? role = null;
            if (row["grid_role"] is { } roleText)
            {
                if (Wire.TryParse<GridRole>(roleText, out var parsedRole))
                {
                    role = parsedRole;
                    if (gridId is null)
                    {
                        run.Error(row, "grid_role", "A grid role needs the member's grid_code.");
                    }
                }
                else
                {
                    run.Error(row, "grid_role", $"'grid_role' must be one of {Wire.Choices<GridRole>()}.");
                }
            }
            if (row["code"] is { } code)
            {
                candidates.Add(new Parsed(row, code, row["name"]?.Trim() ?? "", row["phone"]?.Trim() ?? "", unitId, communityId, gridId,
                    MembersApi.Tags(skills), MembersApi.Tags(intentions), availability, demonstration ?? false, role));
            }
        }
        Importers.CheckUnique(run, candidates.Select(r => (r.Row, (string?)r.Code)), "code");
        await CheckGridRolesAsync(run, candidates);
        _rows.AddRange(candidates);
        return run.Errors;
    }

    /// <summary>"1+1": after the import, no grid may have two active members in the same role.</summary>
    private static async Task CheckGridRolesAsync(ImportRun run, List<Parsed> rows)
    {
        var inFile = rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
        var stored = await run.Db.Members.AsNoTracking()
            .Where(m => m.Status == MemberStatus.Active && m.GridRole != null && m.GridId != null)
            .Select(m => new { m.Code, m.GridId, m.GridRole }).ToListAsync(run.CancellationToken);
        var holders = stored.Where(m => !inFile.Contains(m.Code)).ToDictionary(m => (m.GridId!.Value, m.GridRole!.Value), m => m.Code);
        foreach (var row in rows.Where(r => r.GridRole is not null && r.GridId is not null))
        {
            var key = (row.GridId!.Value, row.GridRole!.Value);
            if (holders.TryGetValue(key, out var holder))
            {
                run.Error(row.Row, "grid_role", $"The grid already has its {Wire.Of(row.GridRole.Value)} member ({holder}): one of each per grid (\"1+1\").");
            }
            else
            {
                holders[key] = row.Code;
            }
        }
    }

    private static List<AvailabilityWindow> ParseAvailability(ImportRun run, CsvRow row)
    {
        var windows = new List<AvailabilityWindow>();
        foreach (var item in Importers.List(row["availability"]))
        {
            var parts = item.Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var times = parts.Length == 2 ? parts[1].Split('-', StringSplitOptions.TrimEntries) : [];
            if (parts.Length != 2 || !Days.TryGetValue(parts[0], out var day) || times.Length != 2
                || !TimeOnly.TryParseExact(times[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
                || !TimeOnly.TryParseExact(times[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to))
            {
                run.Error(row, "availability", $"'{item}' is not a window like 'sat 09:00-12:00' (mon…sun or 周一…周日, then HH:mm-HH:mm).");
                continue;
            }
            windows.Add(new AvailabilityWindow(day, from, to));
        }
        return windows;
    }

    public async Task<ImportResult> ApplyAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        // Thousands of rows: read without tracking, and attach only what is new or changed, so the
        // change tracker never scans the whole roll.
        var stored = await db.Members.AsNoTracking().ToDictionaryAsync(m => m.Code, StringComparer.Ordinal, run.CancellationToken);
        int created = 0, updated = 0;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var row in _rows)
            {
                var availability = row.Availability.OrderBy(w => w.Day).ThenBy(w => w.From).ToList();
                if (!stored.TryGetValue(row.Code, out var member))
                {
                    member = new Member
                    {
                        Id = Guid.CreateVersion7(run.Now), Code = row.Code, Name = row.Name, Phone = row.Phone, Status = MemberStatus.Active, CreatedAt = run.Now,
                    };
                    Apply(member, row, availability);
                    db.Members.Add(member);
                    db.Advance(member);
                    db.Outbox.Publish(RegistryEvents.Changed(member, RegistryChange.Imported, run.Now));
                    created++;
                }
                else if (Differs(member, row, availability))
                {
                    db.Members.Attach(member);
                    Apply(member, row, availability);
                    // A member who left and appears again on the county's roll is active again.
                    member.Status = MemberStatus.Active;
                    member.LeftAt = null;
                    db.Advance(member);
                    db.Outbox.Publish(RegistryEvents.Changed(member, RegistryChange.Updated, run.Now));
                    updated++;
                }
            }
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = true;
        }
        // Grid roles handed from one member to another within the file: the roles given up are cleared
        // first, in the same transaction, so that no statement of the save holds a role twice for a moment
        // (the database keeps one member per grid role, ux_members_grid_role).
        var giving = _rows.Where(r => stored.TryGetValue(r.Code, out var m) && m.GridRole is not null && (m.GridRole != r.GridRole || m.GridId != r.GridId))
            .Select(r => stored[r.Code]).ToList();
        if (giving.Count == 0)
        {
            return await Importers.SaveAsync(run, "members", _rows.Count, created, updated);
        }
        await using var transaction = await db.BeginUnlessInTransactionAsync(run.CancellationToken);
        var ids = giving.Select(m => m.Id).ToList();
        await db.Members.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(set => set.SetProperty(m => m.GridRole, (GridRole?)null), run.CancellationToken);
        foreach (var member in giving)
        {
            // The save writes each one's role as the file gives it, even where it equals the one cleared.
            db.Entry(member).Property(m => m.GridRole).IsModified = true;
        }
        var result = await Importers.SaveAsync(run, "members", _rows.Count, created, updated);
        if (transaction is not null)
        {
            await transaction.CommitAsync(run.CancellationToken);
        }
        return result;
    }

    private static void Apply(Member member, Parsed row, List<AvailabilityWindow> availability)
    {
        member.Name = row.Name;
        member.Phone = row.Phone;
        member.UnitId = row.UnitId;
        member.CommunityId = row.CommunityId;
        member.GridId = row.GridId;
        member.Skills = row.Skills;
        member.Intentions = row.Intentions;
        member.Availability = availability;
        member.DemonstrationHousehold = row.Demonstration;
        member.GridRole = row.GridRole;
    }

    private static bool Differs(Member member, Parsed row, List<AvailabilityWindow> availability) =>
        member.Name != row.Name || member.Phone != row.Phone || member.UnitId != row.UnitId || member.CommunityId != row.CommunityId
        || member.GridId != row.GridId || !member.Skills.SequenceEqual(row.Skills) || !member.Intentions.SequenceEqual(row.Intentions)
        || !member.Availability.SequenceEqual(availability) || member.DemonstrationHousehold != row.Demonstration || member.GridRole != row.GridRole
        || member.Status != MemberStatus.Active;
}

/// <summary>pairings: unit_code, community_code, grid_codes (';'-separated), starts_on, ends_on (yyyy-MM-dd). Key: unit, community, starts_on.</summary>
internal sealed class PairingImporter : IImporter
{
    private readonly List<(CsvRow Row, Guid UnitId, Guid CommunityId, List<Guid> GridIds, DateOnly StartsOn, DateOnly? EndsOn)> _rows = [];

    public IReadOnlyList<ImportColumn> Columns { get; } =
        [new("unit_code", true), new("community_code", true), new("grid_codes", false), new("starts_on", true), new("ends_on", false)];

    public async Task<List<ImportError>> ValidateAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        var areas = await db.Areas.AsNoTracking().Where(a => a.RetiredAt == null).ToDictionaryAsync(a => a.Code, StringComparer.Ordinal, run.CancellationToken);
        var units = await db.Organisations.AsNoTracking().Where(o => o.RetiredAt == null).ToDictionaryAsync(o => o.Code, StringComparer.Ordinal, run.CancellationToken);
        foreach (var row in table.Rows)
        {
            var unit = row["unit_code"] is { } u && units.TryGetValue(u, out var found) && found.Kind.IsUnit() ? found : null;
            if (unit is null)
            {
                run.Error(row, "unit_code", $"No active unit organisation with code '{row["unit_code"]}' in this county.");
            }
            var community = row["community_code"] is { } c && areas.TryGetValue(c, out var area) && area.Level.IsCommunity() ? area : null;
            if (community is null)
            {
                run.Error(row, "community_code", $"No active community or village with code '{row["community_code"]}' in this county.");
            }
            var grids = new List<Guid>();
            foreach (var gridCode in Importers.List(row["grid_codes"]))
            {
                if (areas.TryGetValue(gridCode, out var grid) && grid.Level == AreaLevel.Grid && community is not null && grid.ParentId == community.Id)
                {
                    grids.Add(grid.Id);
                }
                else
                {
                    run.Error(row, "grid_codes", $"'{gridCode}' is not an active grid of the community.");
                }
            }
            var starts = ParseDate(run, row, "starts_on", required: true);
            var ends = ParseDate(run, row, "ends_on", required: false);
            if (starts is not null && ends is not null && ends < starts)
            {
                run.Error(row, "ends_on", "'ends_on' must not be before 'starts_on'.");
            }
            if (unit is not null && community is not null && starts is not null)
            {
                _rows.Add((row, unit.Id, community.Id, grids.Distinct().ToList(), starts.Value, ends));
            }
        }
        Importers.CheckUnique(run, _rows.Select(r => (r.Row, (string?)$"{r.UnitId}/{r.CommunityId}/{r.StartsOn:yyyy-MM-dd}")), "starts_on");
        await CheckOverlapsAsync(run);
        return run.Errors;
    }

    /// <summary>
    /// As the API: a unit has no two pairings with one community in overlapping periods. A row whose key
    /// is stored replaces that pairing's period; every other stored pairing stays as it is.
    /// </summary>
    private async Task CheckOverlapsAsync(ImportRun run)
    {
        var rows = _rows.DistinctBy(r => (r.UnitId, r.CommunityId, r.StartsOn)).ToList();
        var keys = rows.Select(r => (r.UnitId, r.CommunityId, r.StartsOn)).ToHashSet();
        var stored = (await run.Db.Pairings.AsNoTracking().Select(p => new { p.UnitId, p.CommunityId, p.StartsOn, p.EndsOn }).ToListAsync(run.CancellationToken))
            .Where(p => !keys.Contains((p.UnitId, p.CommunityId, p.StartsOn)))
            .ToLookup(p => (p.UnitId, p.CommunityId));
        static bool Overlap(DateOnly startsOn, DateOnly? endsOn, DateOnly otherStartsOn, DateOnly? otherEndsOn) =>
            startsOn <= (otherEndsOn ?? DateOnly.MaxValue) && otherStartsOn <= (endsOn ?? DateOnly.MaxValue);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (stored[(row.UnitId, row.CommunityId)].FirstOrDefault(p => Overlap(row.StartsOn, row.EndsOn, p.StartsOn, p.EndsOn)) is { } existing)
            {
                run.Error(row.Row, "starts_on", $"The unit already has a pairing with this community from {existing.StartsOn:yyyy-MM-dd} that overlaps this period.");
                continue;
            }
            var earlier = rows.Take(i).FirstOrDefault(r => r.UnitId == row.UnitId && r.CommunityId == row.CommunityId && Overlap(row.StartsOn, row.EndsOn, r.StartsOn, r.EndsOn));
            if (earlier.Row is not null)
            {
                run.Error(row.Row, "starts_on", $"The period overlaps the pairing of the same unit and community on row {earlier.Row.Line}.");
            }
        }
    }

    private static DateOnly? ParseDate(ImportRun run, CsvRow row, string column, bool required)
    {
        if (row[column] is not { } text)
        {
            if (required)
            {
                run.Error(row, column, $"'{column}' is required (yyyy-MM-dd).");
            }
            return null;
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && CalendarYears.Contains(date.Year))
        {
            return date;
        }
        run.Error(row, column, $"'{column}' must be a date like 2026-01-31, of a year from {CalendarYears.Text}.");
        return null;
    }

    public async Task<ImportResult> ApplyAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        var stored = await db.Pairings.ToDictionaryAsync(p => (p.UnitId, p.CommunityId, p.StartsOn), run.CancellationToken);
        var grids = (await db.PairingGrids.ToListAsync(run.CancellationToken)).ToLookup(g => g.PairingId);
        var commitments = (await db.Commitments.AsNoTracking().ToListAsync(run.CancellationToken)).ToLookup(c => c.PairingId);
        int created = 0, updated = 0;
        foreach (var (_, unitId, communityId, gridIds, startsOn, endsOn) in _rows)
        {
            if (!stored.TryGetValue((unitId, communityId, startsOn), out var pairing))
            {
                pairing = new Pairing { Id = Guid.CreateVersion7(run.Now), UnitId = unitId, CommunityId = communityId, StartsOn = startsOn, EndsOn = endsOn, CreatedAt = run.Now };
                db.Pairings.Add(pairing);
                db.PairingGrids.AddRange(gridIds.Select(g => new PairingGrid { PairingId = pairing.Id, GridId = g }));
                db.Advance(pairing);
                db.Outbox.Publish(RegistryEvents.Changed(pairing, RegistryChange.Imported, run.Now, gridIds, []));
                created++;
                continue;
            }
            var current = grids[pairing.Id].Select(g => g.GridId).Order().ToList();
            var gridsChanged = !current.SequenceEqual(gridIds.Order());
            pairing.EndsOn = endsOn;
            if (gridsChanged)
            {
                db.PairingGrids.RemoveRange(grids[pairing.Id]);
                db.PairingGrids.AddRange(gridIds.Select(g => new PairingGrid { PairingId = pairing.Id, GridId = g }));
            }
            if (gridsChanged || db.Entry(pairing).State == EntityState.Modified)
            {
                db.Advance(pairing);
                db.Outbox.Publish(RegistryEvents.Changed(pairing, RegistryChange.Updated, run.Now, gridIds, commitments[pairing.Id]));
                updated++;
            }
        }
        return await Importers.SaveAsync(run, "pairings", _rows.Count, created, updated);
    }
}

/// <summary>reports: member_code, status (pending | confirmed). Member reports to the member's home community and grid; one live report per member.</summary>
internal sealed class ReportImporter : IImporter
{
    private readonly List<(CsvRow Row, Member Member, ReportStatus Status)> _rows = [];

    public IReadOnlyList<ImportColumn> Columns { get; } = [new("member_code", true), new("status", true)];

    public async Task<List<ImportError>> ValidateAsync(CsvTable table, ImportRun run)
    {
        var members = await run.Db.Members.AsNoTracking().ToDictionaryAsync(m => m.Code, StringComparer.Ordinal, run.CancellationToken);
        foreach (var row in table.Rows)
        {
            Member? member = null;
            if (row["member_code"] is not { } code || !members.TryGetValue(code, out member))
            {
                run.Error(row, "member_code", $"No member with code '{row["member_code"]}' in this county.");
            }
            else if (member.Status != MemberStatus.Active)
            {
                run.Error(row, "member_code", $"'{code}' has left the county's roll.");
            }
            if (!Wire.TryParse<ReportStatus>(row["status"], out var status) || status == ReportStatus.Withdrawn)
            {
                run.Error(row, "status", "'status' must be pending or confirmed.");
            }
            else if (member is not null)
            {
                _rows.Add((row, member, status));
            }
        }
        Importers.CheckUnique(run, _rows.Select(r => (r.Row, (string?)r.Member.Code)), "member_code");
        return run.Errors;
    }

    public async Task<ImportResult> ApplyAsync(CsvTable table, ImportRun run)
    {
        var db = run.Db;
        var live = await db.Reports.Where(r => r.Kind == ReportKind.Member && r.Status != ReportStatus.Withdrawn)
            .ToDictionaryAsync(r => r.MemberId!.Value, run.CancellationToken);
        int created = 0, updated = 0;
        foreach (var (_, member, status) in _rows)
        {
            if (!live.TryGetValue(member.Id, out var report))
            {
                report = new Report
                {
                    Id = Guid.CreateVersion7(run.Now), Kind = ReportKind.Member, MemberId = member.Id, UnitId = member.UnitId, CommunityId = member.CommunityId,
                    GridId = member.GridId, Status = status, SubmittedAt = run.Now, ConfirmedAt = status == ReportStatus.Confirmed ? run.Now : null,
                };
                db.Reports.Add(report);
                db.Advance(report);
                db.Outbox.Publish(RegistryEvents.Changed(report, RegistryChange.Imported, run.Now));
                created++;
            }
            else if (report.Status == ReportStatus.Pending && status == ReportStatus.Confirmed)
            {
                report.Status = ReportStatus.Confirmed;
                report.ConfirmedAt = run.Now;
                db.Advance(report);
                db.Outbox.Publish(RegistryEvents.Changed(report, RegistryChange.Confirmed, run.Now));
                updated++;
            }
        }
        return await Importers.SaveAsync(run, "reports", _rows.Count, created, updated);
    }
}
