using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Dispatch.Activities;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Requests;

/// <summary>
/// The requests ledger (诉求台账) as a CSV file for the county's staff: one row a request with its
/// places, holders, deadlines and outcome by name, times in the county's time zone, phones masked.
/// The same filters as the list; every matching request, read and written a thousand at a time.
/// </summary>
public static class RequestsExport
{
    private const int Batch = 1_000;

    private static readonly string[] Headings =
    [
        "编号", "受理时间", "类别", "诉求内容", "微心愿", "渠道", "街道", "社区", "网格", "地址", "居民", "联系电话",
        "状态", "分级", "派单方式", "承办单位", "承办党员", "响应时限", "办结时限", "办结时间", "办理结果",
        "满意度", "是否解决", "是否超时", "重办次数", "升级至",
    ];

    private static readonly Dictionary<string, string> Labels = new()
    {
        ["placed"] = "已受理", ["assigned"] = "已派单", ["pooled"] = "待认领", ["claimed"] = "已接单", ["in_progress"] = "办理中",
        ["completed"] = "已办结待评价", ["closed"] = "已办结", ["cancelled"] = "已撤销",
        ["simple"] = "简单", ["ordinary"] = "一般", ["complex"] = "复杂",
        ["member"] = "派给党员", ["unit"] = "派给单位", ["pool"] = "党员认领", ["answer"] = "即时答复",
        ["resident_app"] = "居民端", ["member_visit"] = "入户走访", ["hotline"] = "热线", ["on_site"] = "现场", ["open311"] = "Open311",
        ["satisfied"] = "满意", ["basically_satisfied"] = "基本满意", ["dissatisfied"] = "不满意",
        ["grid"] = "网格", ["community"] = "社区", ["street"] = "街道", ["county"] = "县",
    };

    public static RouteGroupBuilder MapRequestsExport(this RouteGroupBuilder requests)
    {
        requests.MapGet("/export", Export).WithName("dispatch.ExportRequests").WithSummary("The requests ledger (诉求台账) as CSV")
            .WithDescription("The list's filters (status, communityId, gridId, streetId, category, tier, microWish, overdue, memberId, unitId, placedFrom?.Value, placedTo?.Value); " +
                "every matching request, oldest first, as UTF-8 CSV with a byte-order mark (Excel opens it as it is), headings in Chinese, times in the county's " +
                "time zone, residents' phones masked.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return requests;
    }

    private static async Task<Results<EmptyHttpResult, ValidationProblem>> Export(
        string? status, Guid? communityId, Guid? gridId, Guid? streetId, string? category, string? tier, bool? microWish, bool? overdue,
        Guid? memberId, Guid? unitId, Instant? placedFrom, Instant? placedTo,
        DispatchDbContext db, ITenantContext tenant, CountyReference reference, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var query = new RequestFilter(status, communityId, gridId, streetId, category, tier, microWish, overdue, memberId, unitId, placedFrom?.Value, placedTo?.Value)
            .Apply(db, errors);
        if (query is null)
        {
            return errors.ToProblem();
        }
        var county = await reference.GetAsync(db, tenant.CountyId!.Value, cancellationToken);
        var categories = county.Categories.ToDictionary(c => c.Code, c => c.Name);
        var units = await db.Organisations.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        var calendar = ActivityCalendar.Of(tenant.County);
        string Local(DateTimeOffset? moment) =>
            moment is { } m ? TimeZoneInfo.ConvertTime(m, calendar.Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "";
        string Area(Guid? id) => county.Area(id)?.Name ?? "";

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"requests-{tenant.County?.Code}-{calendar.DateOf(clock.GetUtcNow()):yyyyMMdd}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024);
        await writer.WriteAsync(CsvText.Line(Headings));

        // The ledger as of one moment: every batch reads the same snapshot, so a request that moves
        // while the file is written neither drops out of it nor shows twice.
        await using var snapshot = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var ordered = query.OrderBy(r => r.PlacedAt).ThenBy(r => r.Id);
        for (var skip = 0; ; skip += Batch)
        {
            var page = await ordered.Skip(skip).Take(Batch).ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            var ids = page.Select(r => r.Id).ToList();
            var holders = (await RequestsApi.HoldersAsync(db, ids, cancellationToken)).ToLookup(h => h.RequestId, h => h.MemberId);
            var memberIds = page.Where(r => r.AssigneeMemberId is not null).Select(r => r.AssigneeMemberId!.Value).Concat(holders.SelectMany(h => h)).Distinct().ToList();
            var members = await db.Members.AsNoTracking().Where(m => memberIds.Contains(m.Id))
                .ToDictionaryAsync(m => m.Id, m => (m.Name, m.UnitId), cancellationToken);
            foreach (var r in page)
            {
                var holding = holders[r.Id].DefaultIfEmpty(r.AssigneeMemberId ?? Guid.Empty).Where(m => m != Guid.Empty).ToList();
                // The unit it was given to, and those of the members holding it (a joint request's may be several).
                var holdingUnits = holding.Select(m => members.TryGetValue(m, out var member) ? member.UnitId : null)
                    .Prepend(r.AssigneeUnitId).OfType<Guid>().Distinct().Select(u => units.GetValueOrDefault(u, "")).Where(n => n.Length > 0);
                // A result and a rating belong to the round that ended: a reopened request has neither yet.
                var ended = r.Status is RequestStatus.Completed or RequestStatus.Closed;
                await writer.WriteAsync(CsvText.Line(
                [
                    r.Id.ToString(), Local(r.PlacedAt), categories.GetValueOrDefault(r.Category, r.Category), r.Description, r.IsMicroWish ? "是" : "否",
                    Label(r.Channel), Area(r.StreetId), Area(r.CommunityId), Area(r.GridId), r.Address ?? "", r.ResidentName ?? "",
                    r.ResidentPhone is { } phone ? PhoneMask.Mask(phone) : "",
                    Label(r.Status), Label(r.Tier), Label(r.DispatchMode), string.Join("、", holdingUnits),
                    string.Join("、", holding.Select(m => members.TryGetValue(m, out var member) ? member.Name : m.ToString())),
                    Local(r.ResponseDueAt), Local(r.CompletionDueAt), Local(r.CompletedAt), ended ? r.Result ?? "" : "",
                    ended ? Label(r.Satisfaction) : "", !ended ? "" : r.Resolved switch { true => "是", false => "否", null => "" },
                    r.ResponseOverdueAt is not null || r.CompletionOverdueAt is not null ? "是" : "否",
                    r.ReopenCount.ToString(CultureInfo.InvariantCulture), r.EscalationLevel == "none" ? "" : Label(r.EscalationLevel),
                ]));
            }
            await writer.FlushAsync(cancellationToken);
        }
        return TypedResults.Empty;
    }

    private static string Label(string? code) => code is null ? "" : Labels.GetValueOrDefault(code, code);
}
