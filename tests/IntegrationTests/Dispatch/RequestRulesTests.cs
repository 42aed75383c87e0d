using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>Bad input, unknown ids, illegal moves and other counties' ids: each answered clearly, nothing written.</summary>
[Collection(PlatformCollection.Name)]
public sealed class RequestRulesTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Bad_fields_answer_400_naming_each_and_bad_references_422_writing_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var path = county.Path("requests");
        var written = await Outbox.WrittenAsync(platform, "dispatch");

        var problem = await (await client.PostJsonAsync(path, new { category = "flying", latitude = 91, residentPhone = "12", attachments = new[] { "ftp://x" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "category", "description", "communityId", "longitude", "latitude", "residentPhone", "channel", "attachments" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"expected an error for {field}: {problem}");
        }
        await (await client.PostJsonAsync(path, new { category = "livelihood", description = "x", communityId = county.Community1.Id, channel = "member_visit" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "placedByMemberId");
        await (await client.PostJsonAsync(path, new { category = "livelihood", description = "x", communityId = Guid.NewGuid(), channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "communityId");
        await (await client.PostJsonAsync(path, new { category = "livelihood", description = "x", communityId = county.Grid1.Id, channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "communityId");
        await (await client.PostJsonAsync(path, new { category = "livelihood", description = "x", communityId = county.Community1.Id, gridId = county.Grid3.Id, channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "gridId");
        await (await client.PostJsonAsync(path, new { category = "livelihood", description = "x", communityId = county.Community1.Id, channel = "member_visit", placedByMemberId = county.Members[5].Id }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "placedByMemberId");
        await (await client.GetAsync(path + "?status=lost")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        await (await client.GetAsync(path + "?tier=urgent")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "tier");
        // Values a query parameter cannot take answer like any invalid field, the rule in the client's terms.
        foreach (var (query, field, rule) in new[]
        {
            ("overdue=maybe", "overdue", "'overdue' must be true or false."),
            ("page=two", "page", "'page' must be a whole number."),
            ("placedFrom=yesterday", "placedFrom", "'placedFrom' must be an instant with its offset, e.g. 2026-12-01T08:00:00+08:00."),
            // A date or a local time alone would be read as UTC, eight hours off the county's day: refused.
            ("placedFrom=2026-12-02", "placedFrom", "'placedFrom' must be an instant with its offset, e.g. 2026-12-01T08:00:00+08:00."),
            ("placedTo=2026-12-02T08:00:00", "placedTo", "'placedTo' must be an instant with its offset, e.g. 2026-12-01T08:00:00+08:00."),
            ("memberId=M00001", "memberId", "'memberId' must be an id (a UUID)."),
        })
        {
            var unbound = await (await client.GetAsync($"{path}?{query}")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", field);
            Assert.Equal(rule, unbound.GetProperty("errors").GetProperty(field)[0].GetString());
        }
        // A body of the wrong form says what was expected, in the client's terms.
        foreach (var (body, code, detail) in new[]
        {
            ("""{"category":42}""", "malformed_json", "'category' must be a string."),
            ("""{"communityId":"C01"}""", "malformed_json", "'communityId' must be an id (a UUID)."),
            ("""{"isMicroWish":"yes"}""", "malformed_json", "'isMicroWish' must be true or false."),
            ("""{"latitude":"30.5"}""", "malformed_json", "'latitude' must be a number."),
            ("[]", "malformed_json", "The request body must be a JSON object."),
            ("""{"description":"a\u0000b"}""", "malformed_json", "'description' must be text without the NUL character (\\u0000)."),
            ("", "bad_request", "This request needs a JSON body."),
        })
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            var malformed = await (await client.PostAsync(path, content)).ProblemAsync(HttpStatusCode.BadRequest, code);
            Assert.Equal(detail, malformed.GetProperty("detail").GetString());
        }
        // Text no endpoint could store or forward: NUL in a query value, a header that is not ASCII, an unknown charset.
        var nul = await (await client.GetAsync($"{path}?category=a%00b")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "category");
        Assert.Equal("'category' must not contain the NUL character.", nul.GetProperty("errors").GetProperty("category")[0].GetString());
        using (var utf8Headers = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 })
        {
            BaseAddress = client.BaseAddress,
        })
        {
            utf8Headers.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
            using var raw = new HttpRequestMessage(HttpMethod.Get, path);
            raw.Headers.TryAddWithoutValidation("X-Actor-Name", "王书记");
            var header = await (await utf8Headers.SendAsync(raw)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "X-Actor-Name");
            Assert.StartsWith("'X-Actor-Name' must be visible ASCII", header.GetProperty("errors").GetProperty("X-Actor-Name")[0].GetString());
        }
        using (var bogus = new StringContent("{}", System.Text.Encoding.UTF8))
        {
            bogus.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=bogus");
            await (await client.PostAsync(path, bogus)).ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }
        using var form = new StringContent("category=livelihood", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        var unsupported = await (await client.PostAsync(path, form)).ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.StartsWith("This endpoint does not take a body of type 'application/x-www-form-urlencoded", unsupported.GetProperty("detail").GetString());
        var notAllowed = await (await client.DeleteAsync(path)).ProblemAsync(HttpStatusCode.MethodNotAllowed, "bad_request");
        Assert.Equal("DELETE is not allowed here.", notAllowed.GetProperty("detail").GetString());
        var nowhere = await (await client.GetAsync($"{path}/R-17")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal($"Nothing answers GET {path}/R-17 (an id in a path is a UUID).", nowhere.GetProperty("detail").GetString());
        Assert.Equal(written, await Outbox.WrittenAsync(platform, "dispatch"));

        var steps = new RequestSteps(client, county);
        var id = (await steps.PlaceAsync()).Id();
        await (await steps.CommandAsync(id, "dispatch", new { tier = "urgent", mode = "everyone" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "mode");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "member" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "member", memberId = Guid.NewGuid() })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "memberId");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "unit", unitId = county.Community1.Id })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "unitId");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "member", joint = true, memberId = county.Members[0].Id })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "joint");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "member", memberId = county.Members[0].Id, unitId = county.Unit2.Id })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "unitId");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "pool", memberId = county.Members[0].Id })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await steps.CommandAsync(id, "claim", new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await steps.CommandAsync(id, "rate", new { satisfaction = "ok" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "satisfaction");
        await (await steps.CommandAsync(id, "hand-back", new { memberId = county.Members[0].Id })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "reason");
        await (await steps.CommandAsync(id, "complete", new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "result");
        await (await steps.CommandAsync(id, "extensions", new { reason = "x" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "proposedDueAt");
        var local = await (await steps.CommandAsync(id, "extensions", new { proposedDueAt = "2026-12-10T18:00:00", reason = "x" })).ProblemAsync(HttpStatusCode.BadRequest, "malformed_json");
        Assert.Equal("'proposedDueAt' must be an instant with its offset, e.g. 2026-12-01T08:00:00+08:00.", local.GetProperty("detail").GetString());
        Assert.Equal(["place"], await steps.HistoryActionsAsync(id));

        // A hotline system sending GBK: the body is read as the text it is.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        var gbk = System.Text.Encoding.GetEncoding("gbk");
        var json = System.Text.Json.JsonSerializer.Serialize(new { category = "livelihood", description = "楼道灯坏了（热线）", communityId = county.Community1.Id, channel = "hotline" });
        using (var legacy = new ByteArrayContent(gbk.GetBytes(json)))
        {
            legacy.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=gbk");
            var placedInGbk = await (await client.PostAsync(path, legacy)).OkAsync(HttpStatusCode.Created);
            Assert.Equal("楼道灯坏了（热线）", placedInGbk.GetProperty("description").GetString());
        }

        // An instant in the county's own offset (+08:00), or any other, filters as the same instant in UTC.
        var placedAt = (await steps.GetAsync(id)).GetProperty("placedAt").GetDateTimeOffset();
        foreach (var offset in new[] { 8, -5 })
        {
            var from = Uri.EscapeDataString(placedAt.AddSeconds(-1).ToOffset(TimeSpan.FromHours(offset)).ToString("O"));
            var to = Uri.EscapeDataString(placedAt.AddSeconds(1).ToOffset(TimeSpan.FromHours(offset)).ToString("O"));
            var listed = await client.GetJsonAsync($"{path}?placedFrom={from}&placedTo={to}&pageSize=200");
            Assert.Contains(listed.GetProperty("items").EnumerateArray(), r => r.Id() == id);
            using var export = await client.GetAsync($"{path}/export?placedFrom={from}&placedTo={to}");
            Assert.Equal(HttpStatusCode.OK, export.StatusCode);
            Assert.True((await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, "the export holds the request");
        }
    }

    [Fact]
    public async Task Every_text_a_command_takes_is_checked_against_its_limit_and_kept_as_checked()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var member = county.Members[0].Id;
        async Task<IReadOnlyList<string?>> NotesAsync(Guid id) =>
            (await client.GetJsonAsync(county.Path($"requests/{id}/history"))).EnumerateArray().Select(e => e.GetProperty("note").GetString()).ToList();

        // A note longer than its limit is named (500 characters), never a failed write.
        var note = new string('记', 500);
        var id = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(id, "ordinary", "member", new { memberId = member });
        await (await steps.CommandAsync(id, "accept", new { memberId = member, note = note + "录" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "note");
        await steps.DoAsync(id, "accept", new { memberId = member, note = note + "\n" });
        await (await steps.CommandAsync(id, "start", new { memberId = member, note = new string('记', 2001) })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "note");
        await steps.DoAsync(id, "start", new { memberId = member, note = "  已到现场  " });
        Assert.Equal([null, null, note, "已到现场"], await NotesAsync(id));

        // What is kept is the text that was checked: trimmed, so a note at its limit and a line break fits.
        var complex = (await steps.PlaceAsync("小区加装电梯意见不一")).Id();
        await steps.DispatchAsync(complex, "complex", "pool", new { note = note + "\n" });
        var escalation = (await client.GetJsonAsync(county.Path($"escalations?requestId={complex}"))).GetProperty("items")[0];
        Assert.Equal(note, escalation.GetProperty("note").GetString());
        var answer = new string('答', 2000);
        var answered = (await steps.PlaceAsync("咨询养老补贴政策")).Id();
        await (await steps.CommandAsync(answered, "dispatch", new { tier = "simple", mode = "pool", answer })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "answer");
        Assert.Equal(answer, (await steps.DispatchAsync(answered, "simple", "answer", new { answer = answer + "\n" })).GetProperty("result").GetString());
        Assert.Equal(answer, (await NotesAsync(answered))[^1]);

        // A reason or a comment within its limit but padded past the history's column is kept trimmed too.
        var pool = (await steps.PlaceAsync("楼道堆放杂物", category: "safety")).Id();
        await steps.DispatchAsync(pool, "ordinary", "pool");
        await (await steps.CommandAsync(pool, "claim", new { memberId = member, note = note + "录" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "note");
        await steps.DoAsync(pool, "cancel", new { reason = "重复" + new string(' ', 2000) });
        Assert.Equal("重复", (await NotesAsync(pool))[^1]);
        var declined = (await steps.PlaceAsync("单元门禁损坏")).Id();
        await steps.DispatchAsync(declined, "ordinary", "member", new { memberId = member });
        await steps.DoAsync(declined, "decline", new { memberId = member, reason = "不在本网格" + new string('\n', 2000) });
        Assert.Equal("不在本网格", (await NotesAsync(declined))[^1]);
        var rated = await steps.InProgressWithAsync(member, "路灯不亮");
        await steps.DoAsync(rated, "complete", new { memberId = member, result = "已更换灯泡" });
        await steps.DoAsync(rated, "rate", new { satisfaction = "satisfied", comment = "很好" + new string(' ', 2000) });
        Assert.Equal("satisfied: 很好", (await NotesAsync(rated))[^1]);
    }

    [Fact]
    public async Task A_command_whose_fields_are_all_optional_takes_no_body()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var member = county.Members[0].Id;
        Task<HttpResponseMessage> BodilessAsync(string path) => client.PostJsonAsync(county.Path(path));

        // Staff act for the holder without naming anyone: no body at all is every field left out.
        var id = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(id, "ordinary", "member", new { memberId = member });
        Assert.Equal("claimed", (await (await BodilessAsync($"requests/{id}/accept")).OkAsync()).GetProperty("status").GetString());
        Assert.Equal("in_progress", (await (await BodilessAsync($"requests/{id}/start")).OkAsync()).GetProperty("status").GetString());
        var due = (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset();
        var first = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(1), reason = "配件缺货" })).OkAsync(HttpStatusCode.Created);
        Assert.Equal("approved", (await (await BodilessAsync($"requests/{id}/extensions/{first.Id()}/approve")).OkAsync()).GetProperty("status").GetString());
        var second = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(3), reason = "仍缺配件" })).OkAsync(HttpStatusCode.Created);
        var rejected = await (await BodilessAsync($"requests/{id}/extensions/{second.Id()}/reject")).OkAsync();
        Assert.Equal(("rejected", JsonValueKind.Null), (rejected.GetProperty("status").GetString(), rejected.GetProperty("decisionNote").ValueKind));
        Assert.Equal(["place", "dispatch", "accept", "start", "extension_requested", "extension_approved", "extension_requested", "extension_rejected"], await steps.HistoryActionsAsync(id));

        var whistle = await (await client.PostJsonAsync(county.Path("whistles"), new { level = "community", areaId = county.Community1.Id, unitId = county.Unit1.Id, matter = "垃圾清运不及时" }))
            .OkAsync(HttpStatusCode.Created);
        Assert.Equal("acknowledged", (await (await BodilessAsync($"whistles/{whistle.Id()}/acknowledge")).OkAsync()).GetProperty("status").GetString());

        // A claim without a body still names the member it needs.
        var pooled = (await steps.PlaceAsync("楼道堆放杂物", category: "safety")).Id();
        await steps.DispatchAsync(pooled, "ordinary", "pool");
        await (await BodilessAsync($"requests/{pooled}/claim")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
    }

    [Fact]
    public async Task Illegal_moves_answer_409_with_the_current_state()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var member = county.Members[0].Id;
        var id = (await steps.PlaceAsync()).Id();

        foreach (var (command, body) in new (string, object)[]
        {
            ("claim", new { memberId = member }), ("accept", new { memberId = member }), ("start", new { memberId = member }),
            ("complete", new { memberId = member, result = "done" }), ("rate", new { satisfaction = "satisfied" }), ("reopen", new { reason = "x" }),
            ("hand-back", new { reason = "x" }), ("extensions", new { proposedDueAt = DateTimeOffset.UtcNow.AddDays(9), reason = "x" }),
        })
        {
            var problem = await (await steps.CommandAsync(id, command, body)).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
            Assert.Equal("placed", problem.GetProperty("state").GetString());
            Assert.Equal(409, problem.GetProperty("status").GetInt32());
        }
        await steps.DispatchAsync(id, "ordinary", "member", new { memberId = member });
        await (await steps.CommandAsync(id, "accept", new { memberId = county.Members[1].Id })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "not_the_assignee", "memberId");
        await steps.DoAsync(id, "accept", new { memberId = member });
        await (await steps.CommandAsync(id, "start", new { memberId = county.Members[1].Id })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "not_a_holder", "memberId");
        await (await steps.CommandAsync(id, "cancel", new { reason = "不需要了" })).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");
        await (await steps.CommandAsync(id, "dispatch", new { tier = "ordinary", mode = "pool" })).ProblemAsync(HttpStatusCode.Conflict, "illegal_transition");

        // A stale If-Match answers 412 and changes nothing.
        var stale = await client.PostJsonAsync(county.Path($"requests/{id}/start"), new { memberId = member }, ifMatch: "\"1\"");
        await stale.ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        // A version without its quotes is not a tag: the answer says how to write it.
        var unquoted = await (await client.PostJsonAsync(county.Path($"requests/{id}/start"), new { memberId = member }, ifMatch: "3"))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "If-Match");
        Assert.Contains("in quotes", unquoted.GetProperty("detail").GetString());
        Assert.Equal("claimed", (await steps.GetAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_member_acting_names_themself_and_must_hold_the_request_or_be_its_assignee()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);
        var (holder, other) = (county.Members[0].Id, county.Members[1].Id);

        // Claimed from the pool: a member's start, progress and completion name the member, who must hold it.
        var pooled = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(pooled, "ordinary", "pool");
        await (await steps.CommandAsAsync("member", pooled, "claim", new { memberId = holder })).OkAsync();
        foreach (var (command, nobody, notHolder) in new (string, object, object)[]
        {
            ("start", new { }, new { memberId = other }),
            ("progress", new { note = "已联系物业" }, new { memberId = other, note = "已联系物业" }),
            ("complete", new { result = "已修好" }, new { memberId = other, result = "已修好" }),
        })
        {
            await (await steps.CommandAsAsync("member", pooled, command, nobody)).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
            await (await steps.CommandAsAsync("member", pooled, command, notHolder)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "not_a_holder", "memberId");
        }
        Assert.Equal("claimed", (await steps.GetAsync(pooled)).GetProperty("status").GetString());
        Assert.Equal(["place", "dispatch", "claim"], await steps.HistoryActionsAsync(pooled));
        await (await steps.CommandAsAsync("member", pooled, "start", new { memberId = holder })).OkAsync();
        var completed = await (await steps.CommandAsAsync("member", pooled, "complete", new { memberId = holder, result = "已修好" })).OkAsync();
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        var history = await client.GetJsonAsync(county.Path($"requests/{pooled}/history"));
        Assert.Equal(holder.ToString(), history[4].GetProperty("actorId").GetString());

        // Dispatched to a unit: accepting names which of the unit's members does the work.
        var toUnit = (await steps.PlaceAsync("小区健身器材损坏")).Id();
        await steps.DispatchAsync(toUnit, "ordinary", "unit", new { unitId = county.Unit1.Id });
        await (await steps.CommandAsync(toUnit, "accept", new { })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        await (await steps.CommandAsync(toUnit, "accept", new { memberId = Guid.NewGuid() })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "memberId");
        await (await steps.CommandAsync(toUnit, "accept", new { memberId = county.Members[2].Id })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "memberId");
        await (await steps.CommandAsync(toUnit, "decline", new { memberId = county.Members[2].Id, reason = "不是本单位" })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_invalid", "memberId");
        Assert.Equal(["place", "dispatch"], await steps.HistoryActionsAsync(toUnit));
        var accepted = await steps.DoAsync(toUnit, "accept", new { memberId = holder });
        Assert.Equal(holder, Assert.Single(accepted.GetProperty("holders").EnumerateArray()).GetProperty("memberId").GetGuid());

        // Dispatched to a member: only that member declines it.
        var toMember = (await steps.PlaceAsync("楼道堆放杂物", category: "safety")).Id();
        await steps.DispatchAsync(toMember, "ordinary", "member", new { memberId = holder });
        await (await steps.CommandAsync(toMember, "decline", new { memberId = other, reason = "没时间" })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "not_the_assignee", "memberId");
        await (await steps.CommandAsync(toMember, "decline", new { memberId = Guid.NewGuid(), reason = "没时间" })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "memberId");
        await (await steps.CommandAsAsync("member", toMember, "decline", new { reason = "没时间" })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "memberId");
        Assert.Equal("assigned", (await steps.GetAsync(toMember)).GetProperty("status").GetString());
        Assert.Equal(["place", "dispatch"], await steps.HistoryActionsAsync(toMember));
        var declined = await (await steps.CommandAsAsync("member", toMember, "decline", new { memberId = holder, reason = "不在本网格" })).OkAsync();
        Assert.Equal("placed", declined.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_stale_If_Match_answers_412_on_whistles_extensions_and_categories_and_changes_nothing()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var county = await DispatchSeed.CountyAsync(platform);
        var steps = new RequestSteps(client, county);

        var whistles = county.Path("whistles");
        var created = await client.PostJsonAsync(whistles, new { level = "street", areaId = county.Street.Id, unitId = county.Unit2.Id, matter = "片区停电，需到场抢修" });
        var blown = await created.OkAsync(HttpStatusCode.Created);
        var etag = created.Headers.ETag!.Tag;
        await (await client.PostJsonAsync($"{whistles}/{blown.Id()}/acknowledge", new { by = "张经理" }, ifMatch: "\"9\""))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Equal("blown", (await client.GetJsonAsync($"{whistles}/{blown.Id()}")).GetProperty("status").GetString());
        using var acknowledged = await client.PostJsonAsync($"{whistles}/{blown.Id()}/acknowledge", new { by = "张经理" }, ifMatch: etag);
        await acknowledged.OkAsync();
        await (await client.PostJsonAsync($"{whistles}/{blown.Id()}/report", new { report = "已恢复供电" }, ifMatch: etag))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Equal("acknowledged", (await client.GetJsonAsync($"{whistles}/{blown.Id()}")).GetProperty("status").GetString());
        await (await client.PostJsonAsync($"{whistles}/{blown.Id()}/report", new { report = "已恢复供电" }, ifMatch: acknowledged.Headers.ETag!.Tag)).OkAsync();

        // An extension is decided against the request's version.
        var member = county.Members[0].Id;
        var id = await steps.InProgressWithAsync(member);
        var due = (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset();
        var asked = await (await steps.CommandAsync(id, "extensions", new { memberId = member, proposedDueAt = due.AddDays(2), reason = "配件缺货" })).OkAsync(HttpStatusCode.Created);
        foreach (var decision in new[] { "approve", "reject" })
        {
            await (await client.PostJsonAsync(county.Path($"requests/{id}/extensions/{asked.Id()}/{decision}"), new { }, ifMatch: "\"1\""))
                .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        }
        Assert.Equal("pending", (await client.GetJsonAsync(county.Path($"requests/{id}/extensions")))[0].GetProperty("status").GetString());
        Assert.Equal(due, (await steps.GetAsync(id)).GetProperty("completionDueAt").GetDateTimeOffset());
        using var current = await client.GetAsync(county.Path($"requests/{id}"));
        await (await client.PostJsonAsync(county.Path($"requests/{id}/extensions/{asked.Id()}/approve"), new { }, ifMatch: current.Headers.ETag!.Tag)).OkAsync();

        // The county's categories carry an ETag; a replacement against an older one is refused.
        using var read = await client.GetAsync(county.Path("request-categories"));
        await read.OkAsync();
        var categoriesTag = read.Headers.ETag!.Tag;
        var heating = new { categories = new[] { new { code = "heating", name = "供暖", skills = new[] { "水电维修" } } } };
        using var replaced = await client.PutJsonAsync(county.Path("request-categories"), heating, ifMatch: categoriesTag);
        await replaced.OkAsync();
        Assert.NotEqual(categoriesTag, replaced.Headers.ETag!.Tag);
        await (await client.PutJsonAsync(county.Path("request-categories"), new { categories = new[] { new { code = "other", name = "其他", skills = Array.Empty<string>() } } }, ifMatch: categoriesTag))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        var now = await client.GetJsonAsync(county.Path("request-categories"));
        Assert.Equal(["heating"], now.EnumerateArray().Select(c => c.GetProperty("code").GetString()!).ToArray());
    }

    [Fact]
    public async Task Unknown_ids_answer_404_and_another_countys_requests_are_invisible()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var countyA = await DispatchSeed.CountyAsync(platform);
        var countyB = await DispatchSeed.CountyAsync(platform);
        var stepsA = new RequestSteps(client, countyA);
        var id = (await stepsA.PlaceAsync()).Id();
        await stepsA.DispatchAsync(id, "ordinary", "pool");
        var whistle = await (await client.PostJsonAsync(countyA.Path("whistles"), new { level = "community", areaId = countyA.Community1.Id, unitId = countyA.Unit1.Id, matter = "垃圾清运不及时" }))
            .OkAsync(HttpStatusCode.Created);
        var escalation = (await stepsA.DoAsync(id, "escalate", new { reason = "居民多次反映" })).Id();
        var escalationId = (await client.GetJsonAsync(countyA.Path($"escalations?requestId={id}"))).GetProperty("items")[0].Id();

        foreach (var get in new[] { $"requests/{id}", $"requests/{id}/history", $"requests/{id}/duplicates", $"requests/{id}/candidates", $"requests/{id}/extensions", $"whistles/{whistle.Id()}" })
        {
            using var response = await client.GetAsync(countyB.Path(get));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        foreach (var (command, body) in new (string, object)[]
        {
            ($"requests/{id}/claim", new { memberId = countyB.Members[0].Id }), ($"requests/{id}/dispatch", new { tier = "ordinary", mode = "pool" }),
            ($"requests/{id}/cancel", new { reason = "x" }), ($"requests/{id}/escalate", new { reason = "x" }), ($"micro-wishes/{id}/adopt", new { memberId = countyB.Members[0].Id }),
            ($"whistles/{whistle.Id()}/acknowledge", new { }), ($"escalations/{escalationId}/acknowledge", new { response = "x" }),
        })
        {
            using var response = await client.PostJsonAsync(countyB.Path(command), body);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        // A's ids named in B's bodies are not B's.
        var stepsB = new RequestSteps(client, countyB);
        var own = (await stepsB.PlaceAsync()).Id();
        await (await stepsB.CommandAsync(own, "dispatch", new { tier = "ordinary", mode = "member", memberId = countyA.Members[0].Id }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "memberId");
        await (await client.PostJsonAsync(countyB.Path("requests"), new { category = "livelihood", description = "x", communityId = countyA.Community1.Id, channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "reference_not_found", "communityId");

        foreach (var list in new[] { "requests", "micro-wishes", "escalations", "whistles", "supervision/requests?state=overdue" })
        {
            var page = await client.GetJsonAsync(countyB.Path(list));
            Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), item => item.Id() == id || item.Id() == whistle.Id() || item.Id() == escalationId);
        }
        var summary = await client.GetJsonAsync(countyB.Path("supervision/summary?level=county"));
        Assert.Equal(1, summary.GetProperty("total").GetProperty("open").GetInt32());
        Assert.Equal(0, summary.GetProperty("total").GetProperty("whistlesOpen").GetInt32());
        Assert.Equal(escalation, id);
    }

    [Fact]
    public async Task A_county_replaces_its_request_categories_and_only_its_own_requests_follow_them()
    {
        var platform = await fixture.PlatformAsync();
        using var client = platform.Gateway();
        var countyA = await DispatchSeed.CountyAsync(platform);
        var countyB = await DispatchSeed.CountyAsync(platform);
        var defaults = await client.GetJsonAsync(countyA.Path("request-categories"));
        Assert.Contains(defaults.EnumerateArray(), c => c.GetProperty("code").GetString() == "livelihood");

        await (await client.PutJsonAsync(countyA.Path("request-categories"), new { categories = new[] { new { code = "Bad Code", name = "" } } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "categories[0].code");
        await (await client.PutJsonAsync(countyA.Path("request-categories"), new { categories = new object?[] { new { code = "heating", name = "供暖" }, null } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "categories[1]");
        await (await client.PutJsonAsync(countyA.Path("request-categories"), new
        {
            categories = new[] { new { code = "heating", name = "供暖", skills = new[] { "水电维修" } }, new { code = "heating", name = "again", skills = Array.Empty<string>() } },
        })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "categories");
        var replaced = await (await client.PutJsonAsync(countyA.Path("request-categories"), new
        {
            categories = new[] { new { code = "heating", name = "供暖", description = (string?)"冬季供暖问题", skills = new[] { "水电维修" } }, new { code = "other", name = "其他", description = (string?)null, skills = Array.Empty<string>() } },
        })).OkAsync();
        Assert.Equal(["heating", "other"], replaced.EnumerateArray().Select(c => c.GetProperty("code").GetString()!).ToArray());

        var stepsA = new RequestSteps(client, countyA);
        var heating = await stepsA.PlaceAsync("暖气片不热", category: "heating");
        await (await client.PostJsonAsync(countyA.Path("requests"), new { category = "livelihood", description = "x", communityId = countyA.Community1.Id, channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "category");
        // The category's skills drive matching when the request names none.
        var candidates = await client.GetJsonAsync(countyA.Path($"requests/{heating.Id()}/candidates?limit=3"));
        Assert.Equal(40, candidates[0].GetProperty("factors")[0].GetProperty("points").GetDouble());

        // County B keeps the defaults.
        var other = await client.GetJsonAsync(countyB.Path("request-categories"));
        Assert.Contains(other.EnumerateArray(), c => c.GetProperty("code").GetString() == "livelihood");
        Assert.DoesNotContain(other.EnumerateArray(), c => c.GetProperty("code").GetString() == "heating");
        await (await client.PostJsonAsync(countyB.Path("requests"), new { category = "heating", description = "x", communityId = countyB.Community1.Id, channel = "hotline" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "category");
    }
}
