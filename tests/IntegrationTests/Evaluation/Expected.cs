using Platform.Contracts;
using Platform.Contracts.Dispatch;
using Platform.Contracts.Registry;

namespace Platform.IntegrationTests.Evaluation;

/// <summary>
/// The figures computed again in the test, from the raw events alone and the definitions in
/// docs/evaluation (points rules, rates.md): what Evaluation answers must equal these.
/// </summary>
public static class Expected
{
    public sealed record Rates(int Requests, int Responded, int Resolved, int Rated, int Satisfied, int Completed, int OnTime, int Overdue, int Reopened,
        decimal? ResponseRate, decimal? ResolutionRate, decimal? SatisfactionRate, decimal? OnTimeRate);

    public sealed record Outcome(Guid RequestId, Guid CommunityId, Guid? StreetId, Guid? UnitId, bool Responded, bool Rated, bool Satisfied, bool Resolved,
        bool Completed, bool OnTime, bool Overdue, bool Reopened);

    public static decimal? Percent(int part, int whole) => whole == 0 ? null : Math.Round(100m * part / whole, 2, MidpointRounding.AwayFromZero);

    /// <summary>Points per member for the events that occurred in [from, to), each rule's sum per member and month held within its cap.</summary>
    public static Dictionary<Guid, decimal> Points(IEnumerable<ICountyMessage> events, IReadOnlyList<PointsRule> rules, DateTimeOffset from, DateTimeOffset to)
    {
        var sums = new Dictionary<(Guid Member, string Rule), decimal>();
        void Add(Guid member, string rule, decimal quantity, DateTimeOffset at)
        {
            if (at < from || at >= to || rules.FirstOrDefault(r => r.Code == rule) is not { } found)
            {
                return;
            }
            sums[(member, rule)] = sums.GetValueOrDefault((member, rule)) + Math.Round(found.Points * quantity, 2, MidpointRounding.AwayFromZero);
        }
        foreach (var e in events)
        {
            switch (e)
            {
                case RequestCompleted c when c.Request.ReopenCount == 0:
                    c.Request.AssigneeMemberIds.Distinct().ToList().ForEach(m => Add(m, "request_completed_" + (c.Request.Tier ?? "ordinary"), 1, c.CompletedAt));
                    break;
                case RequestRated r when r.Satisfaction == "satisfied" && r.Resolved:
                    r.Request.AssigneeMemberIds.Distinct().ToList().ForEach(m => Add(m, "satisfied_rating", 1, r.RatedAt));
                    break;
                case RequestReopened o:
                    o.Request.AssigneeMemberIds.Distinct().ToList().ForEach(m => Add(m, "request_reopened", 1, o.ReopenedAt));
                    break;
                case RequestOverdue o:
                    o.Request.AssigneeMemberIds.Distinct().ToList().ForEach(m => Add(m, "request_overdue", 1, o.DetectedAt));
                    break;
                case AttendanceRecorded a when a.Change == AttendanceChange.CheckedIn:
                    Add(a.MemberId, "activity_attendance", 1, a.CheckedInAt);
                    break;
                case AttendanceRecorded a when a.Change == AttendanceChange.CheckedOut:
                    Add(a.MemberId, "service_hour", a.ServiceMinutes / 60m, a.CheckedOutAt ?? a.RecordedAt);
                    break;
            }
        }
        return sums.GroupBy(s => s.Key.Member).ToDictionary(g => g.Key, g => g.Sum(s =>
        {
            var cap = rules.First(r => r.Code == s.Key.Rule).CapPerPeriod;
            return cap is { } c ? Math.Max(-c, Math.Min(c, s.Value)) : s.Value;
        }));
    }

    /// <summary>Each request placed in [from, to) and not cancelled, as rates.md defines its standing.</summary>
    public static List<Outcome> Outcomes(IEnumerable<ICountyMessage> events, DateTimeOffset from, DateTimeOffset to)
    {
        var byRequest = events.Select(e => (Event: e, Facts: FactsOf(e))).Where(x => x.Facts is not null).GroupBy(x => x.Facts!.RequestId);
        var outcomes = new List<Outcome>();
        foreach (var request in byRequest)
        {
            var latest = request.Select(x => x.Facts!).MaxBy(f => f.Version)!;
            if (latest.PlacedAt < from || latest.PlacedAt >= to || latest.Status == "cancelled")
            {
                continue;
            }
            var ratings = request.Select(x => x.Event).OfType<RequestRated>().ToList();
            var lastRating = ratings.MaxBy(r => r.Request.Version);
            var reopens = request.Select(x => x.Event).OfType<RequestReopened>().ToList();
            var completions = request.Select(x => x.Event).OfType<RequestCompleted>().ToList();
            outcomes.Add(new Outcome(request.Key, latest.CommunityId, latest.StreetId, latest.AssigneeUnitId,
                Responded: latest.RespondedAt is { } at && (latest.ResponseDueAt is null || at <= latest.ResponseDueAt),
                Rated: lastRating is not null,
                Satisfied: lastRating?.Satisfaction is "satisfied" or "basically_satisfied",
                Resolved: lastRating is { Resolved: true } && !reopens.Any(o => o.Request.Version >= lastRating.Request.Version),
                Completed: completions.Count > 0,
                OnTime: completions.MaxBy(c => c.Request.Version)?.OnTime ?? false,
                Overdue: request.Any(x => x.Event is RequestOverdue),
                Reopened: reopens.Count > 0));
        }
        return outcomes;
    }

    public static Rates RatesOf(IEnumerable<Outcome> outcomes)
    {
        var list = outcomes.ToList();
        int requests = list.Count, responded = list.Count(o => o.Responded), resolved = list.Count(o => o.Resolved), rated = list.Count(o => o.Rated),
            satisfied = list.Count(o => o.Rated && o.Satisfied), completed = list.Count(o => o.Completed), onTime = list.Count(o => o.Completed && o.OnTime);
        return new Rates(requests, responded, resolved, rated, satisfied, completed, onTime, list.Count(o => o.Overdue), list.Count(o => o.Reopened),
            Percent(responded, requests), Percent(resolved, requests), Percent(satisfied, rated), Percent(onTime, completed));
    }

    private static RequestFacts? FactsOf(ICountyMessage e) => e switch
    {
        RequestPlaced x => x.Request,
        RequestDispatched x => x.Request,
        RequestClaimed x => x.Request,
        RequestReleased x => x.Request,
        RequestCompleted x => x.Request,
        RequestRated x => x.Request,
        RequestReopened x => x.Request,
        RequestOverdue x => x.Request,
        RequestEscalated x => x.Request,
        RequestExtended x => x.Request,
        RequestCancelled x => x.Request,
        _ => null,
    };

    /// <summary>A community's star score from its indicators (value, weight), leaving out those with nothing to measure.</summary>
    public static decimal? Score(IEnumerable<(decimal? Value, decimal Weight)> indicators)
    {
        var counted = indicators.Where(i => i.Value is not null && i.Weight > 0).ToList();
        var weights = counted.Sum(i => i.Weight);
        return weights == 0 ? null : Math.Round(counted.Sum(i => i.Value!.Value * i.Weight) / weights, 2, MidpointRounding.AwayFromZero);
    }
}
