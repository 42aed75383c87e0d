using System.Globalization;
using System.Text;

namespace Platform.DemoCounty;

/// <summary>The import files of one generated county, CSV text by import kind, in load order.</summary>
public sealed record DemoCountyFiles(string Areas, string Organisations, string Members, string Pairings, string Reports)
{
    public IEnumerable<(string Kind, string Csv)> InLoadOrder()
    {
        yield return ("areas", Areas);
        yield return ("organisations", Organisations);
        yield return ("members", Members);
        yield return ("pairings", Pairings);
        yield return ("reports", Reports);
    }
}

/// <summary>
/// A county at the scale of the source material — 69 unit organisations paired with 22 communities
/// and 223 grids, 8,636 serving members — with plausible Chinese names, phones, skills, availability,
/// pairings and reports (about nine in ten members reported). The same seed gives the same files.
/// </summary>
public static class DemoCountyGenerator
{
    public const int Units = 69;
    public const int Communities = 22;
    public const int Grids = 223;
    public const int Members = 8636;

    private static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
    ];

    private static readonly string[] GivenParts =
    [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
        "刚", "桂", "英", "华", "建", "国", "文", "辉", "玲", "红", "志", "兰", "飞", "鹏", "斌", "宇", "浩", "凯", "婷", "雪",
    ];

    private static readonly string[] Skills =
    [
        "水电维修", "法律咨询", "医疗护理", "心理疏导", "政策宣讲", "家电维修", "电脑维修", "理发", "教育辅导", "文艺演出",
        "书法绘画", "驾驶", "摄影", "烹饪", "园艺", "财会", "矛盾调解", "应急救护", "外语翻译", "体育健身",
    ];

    private static readonly string[] Intentions = ["助老服务", "关爱儿童", "环境整治", "治安巡逻", "政策宣传", "文明劝导", "应急救援", "帮困解难"];

    private static readonly string[] Agencies =
    [
        "县委办公室", "县政府办公室", "县纪委监委", "县委组织部", "县委宣传部", "县委统战部", "县委政法委", "县发展和改革局", "县教育局", "县科技局",
        "县公安局", "县民政局", "县司法局", "县财政局", "县人力资源和社会保障局", "县自然资源局", "县生态环境局", "县住房和城乡建设局", "县交通运输局", "县水利局",
        "县农业农村局", "县商务局", "县文化广播电视和旅游局", "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局", "县市场监督管理局", "县统计局", "县医疗保障局",
        "县林业局", "县信访局", "县机关事务服务中心", "县总工会", "团县委", "县妇联", "县科协", "县残联", "县税务局", "县人民法院", "县人民检察院",
    ];

    private static readonly string[] Enterprises =
    [
        "县供电公司", "县自来水公司", "县燃气公司", "县农商银行", "县邮政分公司", "县移动分公司", "县电信分公司", "县联通分公司", "县城投集团", "县交投集团",
        "县粮食储备公司", "县烟草专卖局（分公司）", "县石油分公司", "县公交公司",
    ];

    private static readonly string[] Institutions =
    [
        "县人民医院", "县中医医院", "县妇幼保健院", "县疾病预防控制中心", "县第一中学", "县第二中学", "县职业中学", "县实验小学", "县融媒体中心", "县图书馆",
        "县文化馆", "县档案馆", "县社会保险事务中心", "县公共资源交易中心",
    ];

    private static readonly string[] Streets = ["九龙街道", "朝阳街道", "白庙镇", "石垭镇"];

    private static readonly string[] CommunityNames =
    [
        "东门", "西街", "南城", "北关", "玉带", "滨河", "文庙", "城南", "城北", "翠湖", "龙泉", "金桥",
        "新华", "解放", "人民", "建设", "幸福", "和平", "长虹", "锦绣", "青龙", "白鹤",
    ];

    public static DemoCountyFiles Generate(int seed = 511621)
    {
        var random = new Random(seed);

        // The tree: 2 streets and 2 townships; 22 communities among them; 223 grids (10 or 11 per community).
        var areas = new StringBuilder("code,name,level,parent_code\n");
        for (var s = 0; s < Streets.Length; s++)
        {
            areas.Append(CultureInfo.InvariantCulture, $"S{s + 1:D2},{Streets[s]},{(Streets[s].EndsWith('镇') ? "township" : "street")},\n");
        }
        var communityCodes = new List<string>();
        var gridsByCommunity = new Dictionary<string, List<string>>();
        for (var c = 0; c < Communities; c++)
        {
            var code = $"C{c + 1:D2}";
            var streetIndex = c % Streets.Length;
            var kind = Streets[streetIndex].EndsWith('镇') ? "village" : "community";
            var suffix = kind == "village" ? "村" : "社区";
            areas.Append(CultureInfo.InvariantCulture, $"{code},{CommunityNames[c]}{suffix},{kind},S{streetIndex + 1:D2}\n");
            communityCodes.Add(code);
            gridsByCommunity[code] = [];
        }
        for (var g = 0; g < Grids; g++)
        {
            var community = communityCodes[g % Communities];
            var number = gridsByCommunity[community].Count + 1;
            var code = $"G{g + 1:D3}";
            var name = CommunityNames[g % Communities] + $"第{ChineseNumber(number)}网格";
            areas.Append(CultureInfo.InvariantCulture, $"{code},{name},grid,{community}\n");
            gridsByCommunity[community].Add(code);
        }

        // 69 units: agencies, enterprises and institutions; plus each community's own organisation.
        var organisations = new StringBuilder("code,name,kind,area_code\n");
        var unitCodes = new List<string>();
        var unitNames = Agencies.Select(n => (n + "机关党支部", "government_unit"))
            .Concat(Enterprises.Select(n => (n + "党委", "enterprise")))
            .Concat(Institutions.Select(n => (n + "党总支", "institution")))
            .Take(Units).ToList();
        for (var u = 0; u < unitNames.Count; u++)
        {
            var code = $"U{u + 1:D3}";
            organisations.Append(CultureInfo.InvariantCulture, $"{code},{unitNames[u].Item1},{unitNames[u].Item2},\n");
            unitCodes.Add(code);
        }
        for (var c = 0; c < Communities; c++)
        {
            var kind = Streets[c % Streets.Length].EndsWith('镇') ? "village" : "community";
            organisations.Append(CultureInfo.InvariantCulture, $"O{c + 1:D2},{CommunityNames[c]}{(kind == "village" ? "村" : "社区")}党委,{kind},{communityCodes[c]}\n");
        }

        // Pairings: every unit with one community (a third with two), grids of that community split among them.
        var pairings = new StringBuilder("unit_code,community_code,grid_codes,starts_on,ends_on\n");
        for (var u = 0; u < unitCodes.Count; u++)
        {
            var first = communityCodes[u % Communities];
            var grids = gridsByCommunity[first];
            var taken = grids.Where((_, i) => i % 3 == u / Communities % 3).ToList();
            pairings.Append(CultureInfo.InvariantCulture, $"{unitCodes[u]},{first},{string.Join(';', taken)},2025-01-01,\n");
            if (u % 3 == 0)
            {
                var second = communityCodes[(u + 7) % Communities];
                pairings.Append(CultureInfo.InvariantCulture, $"{unitCodes[u]},{second},,2025-03-01,\n");
            }
        }

        // Members: spread over units and homes; about 90% reported (most confirmed, some pending).
        var members = new StringBuilder("code,name,phone,unit_code,community_code,grid_code,skills,intentions,availability,demonstration_household,grid_role\n");
        var reports = new StringBuilder("member_code,status\n");
        var roles = new HashSet<string>();
        string[] days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for (var m = 0; m < Members; m++)
        {
            var code = $"M{m + 1:D5}";
            var name = Surnames[random.Next(Surnames.Length)] + GivenParts[random.Next(GivenParts.Length)] + (random.Next(3) == 0 ? "" : GivenParts[random.Next(GivenParts.Length)]);
            var phone = "1" + "3456789"[random.Next(7)] + random.Next(0, 1_000_000_000).ToString("D9", CultureInfo.InvariantCulture);
            var unit = unitCodes[random.Next(unitCodes.Count)];
            var community = communityCodes[random.Next(communityCodes.Count)];
            var grid = gridsByCommunity[community][random.Next(gridsByCommunity[community].Count)];
            var skills = string.Join(';', Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Skills[random.Next(Skills.Length)]).Distinct());
            var intentions = string.Join(';', Enumerable.Range(0, 1 + random.Next(2)).Select(_ => Intentions[random.Next(Intentions.Length)]).Distinct());
            var day = days[random.Next(days.Length)];
            var availability = random.Next(2) == 0 ? $"{day} 09:00-12:00" : $"{day} 14:00-17:30;sat 09:00-11:30";
            var demonstration = random.Next(20) == 0 ? "是" : "否";
            var role = "";
            if (roles.Add(grid + "/reporting"))
            {
                role = "reporting";
            }
            else if (random.Next(4) == 0 && roles.Add(grid + "/without_post"))
            {
                role = "without_post";
            }
            members.Append(CultureInfo.InvariantCulture, $"{code},{name},{phone},{unit},{community},{grid},{skills},{intentions},{availability},{demonstration},{role}\n");
            var draw = random.Next(100);
            if (draw < 85)
            {
                reports.Append(CultureInfo.InvariantCulture, $"{code},confirmed\n");
            }
            else if (draw < 90)
            {
                reports.Append(CultureInfo.InvariantCulture, $"{code},pending\n");
            }
        }
        return new DemoCountyFiles(areas.ToString(), organisations.ToString(), members.ToString(), pairings.ToString(), reports.ToString());
    }

    private static string ChineseNumber(int n)
    {
        string[] digits = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        return n switch
        {
            < 10 => digits[n],
            10 => "十",
            < 20 => "十" + digits[n - 10],
            _ => digits[n / 10] + "十" + digits[n % 10],
        };
    }
}
