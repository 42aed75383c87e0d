using Platform.Contracts.Registry;
using Platform.Dispatch.Matching;
using Platform.Dispatch.Requests;

namespace Platform.UnitTests;

/// <summary>Ranking a request against a county's members: the fast path (skills as bits, prepared points) agrees with the explanation.</summary>
public sealed class MatchingTests
{
    private static readonly string[] Skills = ["水电维修", "法律咨询", "心理疏导", "医疗护理", "政策宣讲", "家电维修", "文艺演出"];

    // A Tuesday, 10:30 in the county.
    private static readonly DateTime LocalNow = new(2026, 12, 1, 10, 30, 0);

    [Theory]
    [InlineData("")]
    [InlineData("水电维修")]
    [InlineData("水电维修|心理疏导")]
    [InlineData("水电维修|水电维修")]
    [InlineData("无人会的技能|法律咨询")]
    public void The_candidates_are_the_best_members_by_their_explained_factors_and_each_score_is_their_sum(string neededSkills)
    {
        var needed = neededSkills.Split('|', StringSplitOptions.RemoveEmptyEntries);
        var (snapshot, request) = County(members: 3000, seed: 11);

        var ranked = MemberMatcher.Rank(snapshot, request, needed, LocalNow, 10, new HashSet<Guid>());

        Assert.Equal(10, ranked.Count);
        Assert.All(ranked, c => Assert.Equal(Math.Round(c.Factors.Sum(f => f.Points), 2), c.Score, 6));
        // Every member scored by the explanation alone, best first (ties: fewer open requests, then the id).
        var everyone = MemberMatcher.Rank(snapshot, request, needed, LocalNow, snapshot.Members.Length, new HashSet<Guid>());
        var expected = everyone.OrderByDescending(c => Math.Round(c.Factors.Sum(f => f.Points), 6)).ThenBy(c => c.OpenRequests).ThenBy(c => c.MemberId).Take(10);
        Assert.Equal(expected.Select(c => c.MemberId), ranked.Select(c => c.MemberId));
    }

    [Fact]
    public void Members_already_holding_the_request_are_left_out()
    {
        var (snapshot, request) = County(members: 500, seed: 5);
        var first = MemberMatcher.Rank(snapshot, request, ["水电维修"], LocalNow, 3, new HashSet<Guid>());

        var without = MemberMatcher.Rank(snapshot, request, ["水电维修"], LocalNow, 3, first.Take(2).Select(c => c.MemberId).ToHashSet());

        Assert.DoesNotContain(without, c => first.Take(2).Any(f => f.MemberId == c.MemberId));
        Assert.Equal(first[2].MemberId, without[0].MemberId);
    }

    [Fact]
    public void A_county_with_more_than_64_skills_is_ranked_by_text_with_the_same_rules()
    {
        var (snapshot, request) = County(members: 400, seed: 3, extraSkills: 80);
        Assert.Null(snapshot.SkillBits);

        var ranked = MemberMatcher.Rank(snapshot, request, ["水电维修", "技能7"], LocalNow, 5, new HashSet<Guid>());

        Assert.All(ranked, c => Assert.Equal(Math.Round(c.Factors.Sum(f => f.Points), 2), c.Score, 6));
    }

    private static (MatchSnapshot Snapshot, ServiceRequest Request) County(int members, int seed, int extraSkills = 0)
    {
        var random = new Random(seed);
        var skills = Skills.Concat(Enumerable.Range(0, extraSkills).Select(i => $"技能{i}")).ToArray();
        var communities = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        var grids = Enumerable.Range(0, 8).Select(i => (Grid: Guid.NewGuid(), Community: communities[i % communities.Length])).ToArray();
        var units = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid()).ToArray();
        var list = Enumerable.Range(0, members).Select(i =>
        {
            var (grid, community) = grids[random.Next(grids.Length)];
            var windows = Enumerable.Range(0, random.Next(0, 3))
                .Select(_ => random.Next(8, 20) is var from ? new AvailabilityWindow((DayOfWeek)random.Next(7), new TimeOnly(from, 0), new TimeOnly(from + random.Next(1, 4), 0)) : null!)
                .ToArray();
            return new MatchMember(Guid.NewGuid(), $"成员{i}", random.Next(5) == 0 ? null : units[random.Next(units.Length)], community, random.Next(6) == 0 ? null : grid,
                skills.Where(_ => random.Next(skills.Length) < 2).ToHashSet(), windows);
        }).ToArray();
        var workload = list.Where(_ => random.Next(3) == 0).ToDictionary(m => m.Id, _ => random.Next(1, 6));
        var ratings = list.Where(_ => random.Next(4) == 0).ToDictionary(m => m.Id, _ => (random.Next(0, 4), random.Next(0, 3), 6));
        var paired = communities.ToDictionary(c => c, _ => units.Where(_ => random.Next(2) == 0).ToHashSet());
        var snapshot = MemberMatcher.Prepare(list, paired, workload, ratings, DateTimeOffset.UtcNow);
        var request = new ServiceRequest
        {
            Id = Guid.NewGuid(), Category = "livelihood", Description = "厨房水管漏水", CommunityId = grids[0].Community, GridId = grids[0].Grid, Channel = "hotline",
        };
        return (snapshot, request);
    }
}
