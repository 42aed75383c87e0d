namespace Platform.Dispatch.Requests;

/// <summary>
/// The states of a request and the moves between them. A command names its move; from any other
/// state it answers 409 with the current state.
/// <code>
/// placed ──dispatch──▶ assigned ──accept──▶ claimed ──start──▶ in_progress ──complete──▶ completed ──rate ok──▶ closed
///   │                     │decline▶placed      │hand-back/claim expiry▶pooled|placed          │rate dissatisfied / reopen
///   └──dispatch(pool)──▶ pooled ──claim──────▶ claimed                                        ▼
///   └──dispatch(answer)──────────────────────────────────────────────────────▶ completed     in_progress
/// placed | assigned | pooled ──cancel──▶ cancelled
/// </code>
/// </summary>
public static class RequestStatus
{
    public const string Placed = "placed";
    public const string Assigned = "assigned";
    public const string Pooled = "pooled";
    public const string Claimed = "claimed";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Closed = "closed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Placed, Assigned, Pooled, Claimed, InProgress, Completed, Closed, Cancelled];

    /// <summary>Still to be worked on: everything before completion.</summary>
    public static readonly IReadOnlyList<string> Open = [Placed, Assigned, Pooled, Claimed, InProgress];

    public static bool IsOpen(string status) => Open.Contains(status);

    /// <summary>
    /// Whether members can hold a request in this status: only once claimed (every way back to the
    /// pool or the community releases them), so for the others there are no holders to read.
    /// </summary>
    public static bool MayBeHeld(string status) => status is not (Placed or Assigned or Pooled or Cancelled);
}

/// <summary>The spellings of the request's other closed vocabularies.</summary>
public static class RequestVocabulary
{
    public static readonly IReadOnlyList<string> Tiers = ["simple", "ordinary", "complex"];

    public static readonly IReadOnlyList<string> Channels = ["resident_app", "member_visit", "hotline", "on_site", "open311"];

    public static readonly IReadOnlyList<string> DispatchModes = ["member", "unit", "pool", "answer"];

    public static readonly IReadOnlyList<string> Satisfactions = ["satisfied", "basically_satisfied", "dissatisfied"];

    public static string Choices(IEnumerable<string> values) => string.Join(", ", values);
}

/// <summary>The categories a county starts with; a county may replace them (PUT .../request-categories).</summary>
public static class RequestCategories
{
    public static readonly IReadOnlyList<RequestCategory> Defaults =
    [
        Category("livelihood", "民生服务", "水、电、气、房屋维修等生活难题", "水电维修", "家电维修", "家政服务"),
        Category("environment", "环境卫生", "垃圾清运、绿化、违章搭建等人居环境问题", "环境整治", "绿化养护"),
        Category("safety", "安全隐患", "消防、燃气、用电、道路等安全隐患", "安全检查", "消防安全", "水电维修"),
        Category("policy_consultation", "政策咨询", "社保、医保、住房、低保等政策咨询", "政策宣讲", "法律咨询", "社保业务"),
        Category("elderly_care", "养老助老", "独居老人、空巢老人的照料与陪伴", "医疗护理", "心理疏导", "家政服务"),
        Category("employment", "就业帮扶", "就业信息、技能培训、创业指导", "就业指导", "技能培训"),
        Category("dispute_mediation", "矛盾调解", "邻里纠纷、家庭矛盾、物业纠纷调解", "法律咨询", "矛盾调解", "心理疏导"),
        Category("education", "教育关爱", "留守儿童、困难学生的学习与关爱", "教育辅导", "心理疏导"),
        Category("other", "其他", "其他诉求"),
    ];

    private static RequestCategory Category(string code, string name, string description, params string[] skills) =>
        new() { Code = code, Name = name, Description = description, Skills = [.. skills] };
}
