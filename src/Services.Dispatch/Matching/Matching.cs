using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Dispatch.Requests;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Matching;

/// <summary>One reason a candidate scored what they did.</summary>
public sealed record ScoreFactor(string Factor, double Points, double Max, string Reason);

public sealed record CandidateResponse(
    Guid MemberId, string Name, Guid? UnitId, Guid CommunityId, Guid? GridId, double Score, int OpenRequests, IReadOnlyList<ScoreFactor> Factors);

/// <summary>A member as matching sees them, prepared once per snapshot.</summary>
public sealed record MatchMember(
    Guid Id, string Name, Guid? UnitId, Guid CommunityId, Guid? GridId, HashSet<string> Skills, Contracts.Registry.AvailabilityWindow[] Availability)
{
    /// <summary>The member's skills as bits of the snapshot's <see cref="MatchSnapshot.SkillBits"/>.</summary>
    public ulong SkillMask { get; init; }
}

/// <summary>An availability window as ranking compares it: the day, and the times of day in ticks.</summary>
public readonly record struct AvailabilitySlot(DayOfWeek Day, long From, long To);

/// <summary>What matching needs of a county, read in a few queries and kept for a short while.</summary>
public sealed class MatchSnapshot
{
    public required MatchMember[] Members { get; init; }

    /// <summary>Units with an active pairing, per community.</summary>
    public required Dictionary<Guid, HashSet<Guid>> PairedUnits { get; init; }

    /// <summary>Open requests each member holds or is named for.</summary>
    public required Dictionary<Guid, int> Workload { get; init; }

    /// <summary>Residents' ratings of requests each member held: (satisfied, basically satisfied, rated).</summary>
    public required Dictionary<Guid, (int Satisfied, int Basically, int Rated)> Ratings { get; init; }

    /// <summary>
    /// A bit for each skill any member has, when the county's members have at most 64 different
    /// skills (else null, and skills are compared as text): ranking thousands of members then
    /// counts matching skills with one AND per member.
    /// </summary>
    public required IReadOnlyDictionary<string, int>? SkillBits { get; init; }

    /// <summary>Per member (as <see cref="Members"/>): the points that do not depend on the request (workload and ratings).</summary>
    public required double[] Standing { get; init; }

    /// <summary>Per member (as <see cref="Members"/>): open requests held or named for, the tie-breaker.</summary>
    public required int[] Load { get; init; }

    /// <summary>Per member (as <see cref="Members"/>): the grid they live in, or <see cref="Guid.Empty"/>.</summary>
    public required Guid[] Grids { get; init; }

    /// <summary>Per member (as <see cref="Members"/>): their unit's position in <see cref="Units"/>, or -1.</summary>
    public required int[] UnitIndexes { get; init; }

    /// <summary>Every unit a member serves in, by position.</summary>
    public required Dictionary<Guid, int> Units { get; init; }

    /// <summary>
    /// Every member's availability windows in one array, a member's from <see cref="SlotStarts"/>[i]
    /// up to <see cref="SlotStarts"/>[i + 1]: ranking reads them without leaving the array.
    /// </summary>
    public required AvailabilitySlot[] Slots { get; init; }

    public required int[] SlotStarts { get; init; }

    public DateTimeOffset LoadedAt { get; init; }
}

/// <summary>
/// Ranks members for a request: skill fit (40), where they live or serve (25), available now in the
/// county's local time (15), open workload (10) and past ratings (10), each factor explained. The
/// county's members, pairings, workloads and ratings are read into a snapshot kept for
/// <see cref="MaxAge"/>, so ranking one request against thousands of members is in-memory work.
/// </summary>
public sealed class MemberMatcher(TimeProvider clock, IServiceScopeFactory scopes, ILogger<MemberMatcher> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<Guid, MatchSnapshot> _snapshots = new();
    private readonly ConcurrentDictionary<Guid, Task> _refreshing = new();

    /// <summary>
    /// The county's snapshot: read now the first time; afterwards a stale one is still answered while
    /// a fresh one is read in the background, so no request waits for the reload.
    /// </summary>
    public async Task<MatchSnapshot> SnapshotAsync(DispatchDbContext db, Guid countyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_snapshots.TryGetValue(countyId, out var cached))
        {
            if (now - cached.LoadedAt >= MaxAge)
            {
                _ = _refreshing.GetOrAdd(countyId, id => Task.Run(() => RefreshAsync(id)));
            }
            return cached;
        }
        var snapshot = await LoadAsync(db, countyId, now, cancellationToken);
        _snapshots[countyId] = snapshot;
        return snapshot;
    }

    private async Task RefreshAsync(Guid countyId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<ServiceDefaults.Tenancy.TenantContext>().Set(countyId);
            var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
            _snapshots[countyId] = await LoadAsync(db, countyId, clock.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "The matching snapshot of county {County} could not be refreshed; the previous one stays.", countyId);
        }
        finally
        {
            _refreshing.TryRemove(countyId, out _);
        }
    }

    private static async Task<MatchSnapshot> LoadAsync(DispatchDbContext db, Guid countyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var members = await db.Members.AsNoTracking().Where(m => m.Status == "active")
            .Select(m => new { m.Id, m.Name, m.UnitId, m.CommunityId, m.GridId, m.Skills, m.Availability }).ToListAsync(cancellationToken);
        // Pairings active on the county's today (the same rule as claiming), not the UTC date.
        var county = await db.Counties.AsNoTracking().FirstOrDefaultAsync(c => c.Id == countyId, cancellationToken);
        var today = Activities.ActivityCalendar.Of(county).DateOf(now);
        var pairings = await db.Pairings.AsNoTracking().Where(p => p.StartsOn <= today && (p.EndsOn == null || p.EndsOn >= today))
            .Select(p => new { p.CommunityId, p.UnitId }).ToListAsync(cancellationToken);
        var open = RequestStatus.Open.ToArray();
        var holding = await db.RequestClaimants.AsNoTracking().Where(c => c.ReleasedAt == null)
            .Join(db.Requests.Where(r => open.Contains(r.Status)), c => c.RequestId, r => r.Id, (c, r) => c.MemberId)
            .GroupBy(m => m).Select(g => new { Member = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var named = await db.Requests.AsNoTracking().Where(r => r.AssigneeMemberId != null && r.Status == RequestStatus.Assigned)
            .GroupBy(r => r.AssigneeMemberId!.Value).Select(g => new { Member = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var rated = await db.RequestClaimants.AsNoTracking().Where(c => c.ReleasedAt == null)
            .Join(db.Requests.Where(r => r.Satisfaction != null), c => c.RequestId, r => r.Id, (c, r) => new { c.MemberId, r.Satisfaction })
            .GroupBy(x => x.MemberId)
            .Select(g => new { Member = g.Key, Satisfied = g.Count(x => x.Satisfaction == "satisfied"), Basically = g.Count(x => x.Satisfaction == "basically_satisfied"), Rated = g.Count() })
            .ToListAsync(cancellationToken);

        var workload = holding.ToDictionary(h => h.Member, h => h.Count);
        foreach (var n in named)
        {
            workload[n.Member] = workload.GetValueOrDefault(n.Member) + n.Count;
        }
        return Prepare(
            members.Select(m => new MatchMember(m.Id, m.Name, m.UnitId, m.CommunityId, m.GridId, [.. m.Skills], [.. m.Availability])).ToArray(),
            pairings.GroupBy(p => p.CommunityId).ToDictionary(g => g.Key, g => g.Select(p => p.UnitId).ToHashSet()),
            workload, rated.ToDictionary(r => r.Member, r => (r.Satisfied, r.Basically, r.Rated)), now);
    }

    /// <summary>A snapshot of what was read: each member's skills as bits, and the points that do not depend on the request.</summary>
    public static MatchSnapshot Prepare(
        MatchMember[] members, Dictionary<Guid, HashSet<Guid>> pairedUnits, Dictionary<Guid, int> workload,
        Dictionary<Guid, (int Satisfied, int Basically, int Rated)> ratings, DateTimeOffset now)
    {
        var skills = members.SelectMany(m => m.Skills).Distinct(StringComparer.Ordinal).ToList();
        var skillBits = skills.Count <= 64 ? skills.Select((skill, bit) => (skill, bit)).ToDictionary(x => x.skill, x => x.bit, StringComparer.Ordinal) : null;
        var prepared = skillBits is null
            ? members
            : members.Select(m => m with { SkillMask = m.Skills.Aggregate(0UL, (mask, skill) => mask | 1UL << skillBits[skill]) }).ToArray();
        var units = prepared.Where(m => m.UnitId is not null).Select(m => m.UnitId!.Value).Distinct().Select((unit, index) => (unit, index))
            .ToDictionary(x => x.unit, x => x.index);
        var slotStarts = new int[prepared.Length + 1];
        for (var i = 0; i < prepared.Length; i++)
        {
            slotStarts[i + 1] = slotStarts[i] + prepared[i].Availability.Length;
        }
        var snapshot = new MatchSnapshot
        {
            SkillBits = skillBits,
            Members = prepared,
            PairedUnits = pairedUnits,
            Workload = workload,
            Ratings = ratings,
            Standing = new double[prepared.Length],
            Load = new int[prepared.Length],
            Grids = [.. prepared.Select(m => m.GridId ?? Guid.Empty)],
            UnitIndexes = [.. prepared.Select(m => m.UnitId is { } unit ? units[unit] : -1)],
            Units = units,
            Slots = [.. prepared.SelectMany(m => m.Availability).Select(w => new AvailabilitySlot(w.Day, w.From.Ticks, w.To.Ticks))],
            SlotStarts = slotStarts,
            LoadedAt = now,
        };
        for (var i = 0; i < prepared.Length; i++)
        {
            snapshot.Standing[i] = Workload(snapshot, prepared[i], null) + Rating(snapshot, prepared[i], null);
            snapshot.Load[i] = workload.GetValueOrDefault(prepared[i].Id);
        }
        return snapshot;
    }

    /// <summary>The best <paramref name="limit"/> candidates, best first; ties go to fewer open requests, then the member id.</summary>
    public static IReadOnlyList<CandidateResponse> Rank(
        MatchSnapshot snapshot, ServiceRequest request, IReadOnlyCollection<string> neededSkills, DateTime localNow, int limit, ISet<Guid> exclude)
    {
        // The queue's first is the worst kept, by the same order as the admission below.
        var top = new PriorityQueue<(int Index, double Score), (double, int, Guid)>(limit + 1, WorstFirst);
        var members = snapshot.Members;
        // Needed skills as bits (one no member has sets none, and still counts as needed).
        var byBits = snapshot.SkillBits is not null && neededSkills.Count > 0 && neededSkills.Distinct(StringComparer.Ordinal).Count() == neededSkills.Count;
        var neededMask = byBits
            ? neededSkills.Aggregate(0UL, (mask, skill) => snapshot.SkillBits!.TryGetValue(skill, out var bit) ? mask | 1UL << bit : mask)
            : 0UL;
        var where = Where.Of(snapshot, request, localNow);
        var worst = double.NegativeInfinity;
        for (var i = 0; i < members.Length; i++)
        {
            var member = members[i];
            if (exclude.Count > 0 && exclude.Contains(member.Id))
            {
                continue;
            }
            var skill = byBits
                ? 40.0 * System.Numerics.BitOperations.PopCount(member.SkillMask & neededMask) / neededSkills.Count
                : Skill(member, neededSkills, null);
            var near = skill + Proximity(snapshot, i, where).Points;
            // Not even available now would bring the member up to the worst kept: no need to look.
            if (top.Count == limit && near + 15 + snapshot.Standing[i] < worst)
            {
                continue;
            }
            var score = near + Availability(snapshot, i, where).Points + snapshot.Standing[i];
            var key = (score, -snapshot.Load[i], member.Id);
            if (top.Count < limit)
            {
                top.Enqueue((i, score), key);
            }
            else if (Compare(key, PeekPriority(top)) > 0)
            {
                top.EnqueueDequeue((i, score), key);
            }
            else
            {
                continue;
            }
            if (top.Count == limit)
            {
                worst = PeekPriority(top).Item1;
            }
        }
        var ranked = new List<CandidateResponse>(top.Count);
        // The reasons are written only for the candidates shown, not for every member ranked.
        while (top.TryDequeue(out var entry, out _))
        {
            var m = members[entry.Index];
            var factors = new List<ScoreFactor>(5);
            Skill(m, neededSkills, factors);
            var (near, nearBecause) = Proximity(snapshot, entry.Index, where);
            factors.Add(new ScoreFactor("proximity", near, 25, nearBecause));
            factors.Add(AvailabilityFactor(snapshot, entry.Index, where));
            Workload(snapshot, m, factors);
            Rating(snapshot, m, factors);
            ranked.Add(new CandidateResponse(m.Id, m.Name, m.UnitId, m.CommunityId, m.GridId, Math.Round(entry.Score, 2), snapshot.Workload.GetValueOrDefault(m.Id), factors));
        }
        ranked.Reverse();
        return ranked;
    }

    private static (double, int, Guid) PeekPriority(PriorityQueue<(int, double), (double, int, Guid)> queue) =>
        queue.TryPeek(out _, out var priority) ? priority : default;

    private static readonly IComparer<(double, int, Guid)> WorstFirst = Comparer<(double, int, Guid)>.Create(Compare);

    /// <summary>Above zero when <paramref name="a"/> is the better candidate: higher score, then fewer open requests, then the lower id.</summary>
    private static int Compare((double Score, int Load, Guid Id) a, (double Score, int Load, Guid Id) b) =>
        a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Load != b.Load ? a.Load.CompareTo(b.Load) : b.Id.CompareTo(a.Id);

    private static double Skill(MatchMember m, IReadOnlyCollection<string> needed, List<ScoreFactor>? explain)
    {
        if (needed.Count == 0)
        {
            explain?.Add(new ScoreFactor("skill", 20, 40, "the request names no skills"));
            return 20;
        }
        var matched = 0;
        foreach (var skill in needed)
        {
            if (m.Skills.Contains(skill))
            {
                matched++;
            }
        }
        var points = 40.0 * matched / needed.Count;
        explain?.Add(new ScoreFactor("skill", points, 40, matched == 0
            ? $"none of {string.Join("、", needed)}"
            : $"has {string.Join("、", needed.Where(m.Skills.Contains))} of {string.Join("、", needed)}"));
        return points;
    }

    /// <summary>What proximity and availability look at of one request, in the snapshot's terms: its grid and community, the units paired with that community (by position), and the county's local day and time.</summary>
    private readonly record struct Where(Guid? Grid, Guid Community, bool[] PairedUnits, DayOfWeek Day, long Time)
    {
        public static Where Of(MatchSnapshot snapshot, ServiceRequest request, DateTime localNow)
        {
            var pairedUnits = new bool[snapshot.Units.Count];
            if (snapshot.PairedUnits.TryGetValue(request.CommunityId, out var paired))
            {
                foreach (var unit in paired)
                {
                    if (snapshot.Units.TryGetValue(unit, out var index))
                    {
                        pairedUnits[index] = true;
                    }
                }
            }
            return new Where(request.GridId, request.CommunityId, pairedUnits, localNow.DayOfWeek, TimeOnly.FromDateTime(localNow).Ticks);
        }
    }

    private static (int Points, string Reason) Proximity(MatchSnapshot snapshot, int member, Where where) =>
        where.Grid is { } grid && snapshot.Grids[member] == grid ? (25, "lives in the request's grid") :
        snapshot.Members[member].CommunityId == where.Community ? (18, "lives in the request's community") :
        snapshot.UnitIndexes[member] is >= 0 and var unit && where.PairedUnits[unit] ? (10, "serves in a unit paired with the community") :
        (0, "neither lives in the community nor serves in a paired unit");

    /// <summary>15 when one of the member's windows covers now, 8 when one starts later today; the window chosen (its position in the snapshot's slots), or -1.</summary>
    private static (int Points, int Slot) Availability(MatchSnapshot snapshot, int member, Where where)
    {
        var (points, chosen) = (0, -1);
        for (var i = snapshot.SlotStarts[member]; i < snapshot.SlotStarts[member + 1]; i++)
        {
            ref readonly var slot = ref snapshot.Slots[i];
            if (slot.Day != where.Day)
            {
                continue;
            }
            if (slot.From <= where.Time && where.Time < slot.To)
            {
                return (15, i);
            }
            if (slot.From > where.Time && points < 8)
            {
                (points, chosen) = (8, i);
            }
        }
        return (points, chosen);
    }

    private static ScoreFactor AvailabilityFactor(MatchSnapshot snapshot, int member, Where where)
    {
        var (points, chosen) = Availability(snapshot, member, where);
        if (chosen < 0)
        {
            return new ScoreFactor("availability", points, 15, "not available today");
        }
        var (from, to) = (new TimeOnly(snapshot.Slots[chosen].From), new TimeOnly(snapshot.Slots[chosen].To));
        return new ScoreFactor("availability", points, 15, $"available {(points == 15 ? "now" : "later today")} ({from:HH\\:mm}–{to:HH\\:mm})");
    }

    private static double Workload(MatchSnapshot snapshot, MatchMember m, List<ScoreFactor>? explain)
    {
        var open = snapshot.Workload.GetValueOrDefault(m.Id);
        var points = Math.Max(0, 10 - 2 * open);
        explain?.Add(new ScoreFactor("workload", points, 10, $"{open} open request(s)"));
        return points;
    }

    private static double Rating(MatchSnapshot snapshot, MatchMember m, List<ScoreFactor>? explain)
    {
        if (!snapshot.Ratings.TryGetValue(m.Id, out var r) || r.Rated == 0)
        {
            explain?.Add(new ScoreFactor("rating", 5, 10, "no ratings yet"));
            return 5;
        }
        var points = Math.Round(10.0 * (r.Satisfied + 0.5 * r.Basically) / r.Rated, 2);
        explain?.Add(new ScoreFactor("rating", points, 10, $"{r.Satisfied} satisfied, {r.Basically} basically satisfied of {r.Rated} rated"));
        return points;
    }
}

/// <summary>Matching and the wish wall over HTTP.</summary>
public static class MatchingApi
{
    public static RouteGroupBuilder MapMatchingApi(this RouteGroupBuilder county)
    {
        county.MapGet("/requests/{id:guid}/candidates", Candidates).WithTags("Requests").WithName("dispatch.GetRequestCandidates")
            .WithSummary("Members ranked for a request, each score explained (skill, proximity, availability, workload, ratings)");
        var wishes = county.MapGroup("/micro-wishes").WithTags("Micro-wishes");
        wishes.MapGet("/", WishWall).WithName("dispatch.ListMicroWishes").WithSummary("The wish wall (微心愿): open, adopted or fulfilled micro-wishes");
        wishes.MapPost("/{id:guid}/adopt", Adopt).RequireRoles(PlatformRoles.Holders).WithName("dispatch.AdoptMicroWish").WithSummary("A member adopts a micro-wish from the wall (认领)");
        return county;
    }

    private static async Task<Results<Ok<IReadOnlyList<CandidateResponse>>, ValidationProblem, ProblemHttpResult>> Candidates(
        Guid id, int? limit, DispatchDbContext db, MemberMatcher matcher, CountyReference reference, ITenantContext tenant, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 50)
        {
            return new ValidationErrors().Add("limit", "'limit' must be between 1 and 50.").ToProblem();
        }
        var request = await db.Requests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null)
        {
            return Problems.ResourceNotFound("request", id);
        }
        IReadOnlyCollection<string> needed = request.Skills;
        if (needed.Count == 0)
        {
            needed = (await reference.GetAsync(db, request.CountyId, cancellationToken)).Categories.FirstOrDefault(c => c.Code == request.Category)?.Skills ?? [];
        }
        var holders = RequestStatus.MayBeHeld(request.Status)
            ? await db.RequestClaimants.AsNoTracking().Where(c => c.RequestId == id && c.ReleasedAt == null).Select(c => c.MemberId).ToListAsync(cancellationToken)
            : [];
        var snapshot = await matcher.SnapshotAsync(db, tenant.CountyId!.Value, cancellationToken);
        var localNow = TimeZoneInfo.ConvertTime(clock.GetUtcNow(), TimeZones.Find(tenant.County!.TimeZone)).DateTime;
        return TypedResults.Ok(MemberMatcher.Rank(snapshot, request, needed, localNow, limit ?? 10, holders.ToHashSet()));
    }

    private static async Task<Results<Ok<Page<RequestResponse>>, ValidationProblem>> WishWall(
        string? status, Guid? communityId, int? page, int? pageSize, DispatchDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        string[]? statuses = (status ?? "open") switch
        {
            "open" => [RequestStatus.Pooled],
            "adopted" => [RequestStatus.Claimed, RequestStatus.InProgress],
            "fulfilled" => [RequestStatus.Completed, RequestStatus.Closed],
            _ => null,
        };
        if (statuses is null)
        {
            errors.Add("status", "'status' must be one of open, adopted, fulfilled.");
        }
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        // The wall holds the wishes put up for adoption (dispatched to the pool), not those given to a member or answered at once.
        var query = db.Requests.AsNoTracking().Where(r => r.IsMicroWish && r.DispatchMode == "pool" && statuses!.Contains(r.Status));
        query = communityId is { } c ? query.Where(r => r.CommunityId == c) : query;
        return TypedResults.Ok(await RequestsApi.PageAsync(db, query.OrderBy(r => r.PlacedAt).ThenBy(r => r.Id), paging, cancellationToken));
    }

    private static async Task<Results<Ok<RequestResponse>, ValidationProblem, ProblemHttpResult>> Adopt(
        Guid id, MemberCommandRequest? body, DispatchDbContext db, CountyReference reference, ITenantContext tenant, TimeProvider clock, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (!await db.Requests.AnyAsync(r => r.Id == id && r.IsMicroWish, cancellationToken))
        {
            return Problems.ResourceNotFound("micro_wish", id);
        }
        return await RequestCommandsApi.Claim(id, body, db, reference, tenant, clock, http, cancellationToken);
    }
}

/// <summary>A county's time zone, with Asia/Shanghai when the name is unknown to this machine.</summary>
public static class TimeZones
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Known = new();

    public static TimeZoneInfo Find(string id) => Known.GetOrAdd(id, name =>
        TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone
        : TimeZoneInfo.TryFindSystemTimeZoneById("Asia/Shanghai", out var shanghai) ? shanghai
        : TimeZoneInfo.CreateCustomTimeZone("China Standard Time", TimeSpan.FromHours(8), "China Standard Time", "China Standard Time"));
}
