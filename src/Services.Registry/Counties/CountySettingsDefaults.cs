using Platform.Contracts.Registry;

namespace Platform.Registry.Counties;

/// <summary>
/// The settings a county starts with (version 1, written when it registers), from the mechanism as
/// the source reports describe it: simple requests answered at once, ordinary ones closed within a
/// limit, complex ones studied; the concentrated reporting week is the second of each month and
/// its Friday the themed day.
/// </summary>
public static class CountySettingsDefaults
{
    public const string ResidentSatisfactionScale = "resident_satisfaction";
    public const string OfficerRatingScale = "officer_rating";
    public const string AssessmentScale = "assessment";

    public static CountySettings Create() => new(
        Sla:
        [
            new SlaTier("simple", ResponseHours: 2, CompletionHours: 24),
            new SlaTier("ordinary", ResponseHours: 24, CompletionHours: 72),
            new SlaTier("complex", ResponseHours: 48, CompletionHours: 240),
        ],
        ClaimStartLimitHours: 24,
        ReportingWeek: 2,
        ThemedDay: DayOfWeek.Friday,
        PointsRules:
        [
            new PointsRule("request_completed_simple", "完成一件即办类诉求", 1, null),
            new PointsRule("request_completed_ordinary", "完成一件限时办结类诉求", 2, null),
            new PointsRule("request_completed_complex", "完成一件研究办理类诉求", 4, null),
            new PointsRule("service_hour", "每服务一小时", 1, 20),
            new PointsRule("activity_attendance", "参加一次集中活动", 2, null),
            new PointsRule("satisfied_rating", "群众评价满意", 1, null),
            new PointsRule("request_overdue", "诉求超期未办结", -2, null),
            new PointsRule("request_reopened", "诉求被退回重办", -1, null),
            new PointsRule("activity_no_show", "报名活动未参加", -2, null),
        ],
        RatingScales:
        [
            new RatingScale(ResidentSatisfactionScale, ["satisfied", "basically_satisfied", "dissatisfied"]),
            new RatingScale(OfficerRatingScale, ["excellent", "good", "fair", "poor"]),
            new RatingScale(AssessmentScale, ["excellent", "good", "pass", "fail"]),
        ],
        CoverageThresholdPercent: 90);

    public static readonly IReadOnlyList<string> Tiers = ["simple", "ordinary", "complex"];
}
