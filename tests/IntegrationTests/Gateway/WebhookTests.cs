using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Platform.Gateway.Webhooks;
using Platform.IntegrationTests.Dispatch;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Gateway;

/// <summary>Webhooks from Dispatch's events to a local receiver: signed, retried, ordered per request, paused, replayed.</summary>
[Collection(PlatformCollection.Name)]
public sealed class WebhookTests(PlatformFixture fixture)
{
    private static readonly string[] Loop = ["request.placed", "request.dispatched", "request.claimed", "request.completed", "request.rated"];

    [Fact]
    public async Task Deliveries_are_signed_and_arrive_in_the_requests_order()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, secret) = await SubscribeAsync(client, county.Code, receiver.Url, Loop);

        var requestId = await WalkAsync(platform, county);

        var received = await ReceivedAsync(receiver, 5);
        Assert.All(received, webhook => Assert.True(webhook.Verifies(secret), $"signature of {webhook.Id} does not verify"));
        Assert.All(received, webhook => Assert.StartsWith("msg_", webhook.Id));
        Assert.All(received, webhook => Assert.InRange(long.Parse(webhook.Timestamp), DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));
        Assert.Equal(Loop, received.Select(w => w.Type));
        Assert.All(received, w => Assert.Equal(requestId.ToString(), w.Payload.GetProperty("data").GetProperty("request").GetProperty("requestId").GetString()));
        Assert.Equal(county.Code, received[0].Payload.GetProperty("data").GetProperty("county").GetString());
        Assert.Equal(received.Select(w => w.Version).Order(), received.Select(w => w.Version));
        // A tampered body does not verify.
        Assert.False((received[0] with { Body = received[0].Body.Replace("request", "Request") }).Verifies(secret));

        var deliveries = await Poll.UntilAsync(() => client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/deliveries?status=delivered"),
            d => d.GetProperty("total").GetInt64() == 5, TimeSpan.FromSeconds(10), "every delivery to be recorded as delivered");
        Assert.All(deliveries.GetProperty("items").EnumerateArray(), d => Assert.Equal(200, d.GetProperty("lastStatusCode").GetInt32()));
    }

    [Fact]
    public async Task A_moved_or_cancelled_activity_is_announced_with_its_sign_ups_whether_staff_or_the_countys_rules_moved_it()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await SubscribeAsync(client, county.Code, receiver.Url, ["activity.rescheduled", "activity.cancelled"]);
        using var staff = platform.Gateway();
        var month = ActivityTestSupport.MonthFromNow(2);
        var generated = await (await staff.PostJsonAsync(county.Path("activities/generate"), new { month })).OkAsync();
        JsonElement Find(Guid community, string kind) => generated.GetProperty("activities").EnumerateArray()
            .Single(a => a.GetProperty("communityId").GetGuid() == community && a.GetProperty("kind").GetString() == kind);
        var week = Find(county.Community1.Id, "reporting_week");
        var day = Find(county.Community1.Id, "themed_party_day");
        var member = county.Members[0].Id;
        await (await staff.PostJsonAsync(county.Path($"activities/{week.Id()}/sign-ups"), new { memberId = member })).OkAsync(HttpStatusCode.Created);

        // Staff hold community 1's themed day an hour later.
        var dayStarts = day.GetProperty("startsAt").GetDateTimeOffset();
        await (await staff.PutJsonAsync(county.Path($"activities/{day.Id()}"),
            new { title = "主题党日（推迟一小时）", startsAt = dayStarts.AddHours(1), endsAt = day.GetProperty("endsAt").GetDateTimeOffset().AddHours(1) })).OkAsync();
        var byStaff = (await ReceivedAsync(receiver, 1)).Single();
        Assert.True(byStaff.Verifies(secret));
        Assert.Equal("activity.rescheduled", byStaff.Type);
        var staffData = byStaff.Payload.GetProperty("data");
        Assert.Equal(("staff", day.Id(), dayStarts, dayStarts.AddHours(1)),
            (staffData.GetProperty("by").GetString(), staffData.GetProperty("activityId").GetGuid(),
             staffData.GetProperty("previousStartsAt").GetDateTimeOffset(), staffData.GetProperty("startsAt").GetDateTimeOffset()));
        Assert.Equal(county.Code, staffData.GetProperty("county").GetString());

        // The county's rule becomes the third week: both weeks and community 2's day move; the day staff set stays.
        var current = await platform.Fixture.QueryScalarAsync<string>(platform.Databases["dispatch"].Name,
            $"SELECT settings::text FROM registry_county_settings WHERE county_id = '{county.CountyId}' AND version = 1");
        var settings = JsonSerializer.Deserialize<Platform.Contracts.Registry.CountySettings>(current, JsonSerializerOptions.Web)!;
        await ActivityTestSupport.AddReplicasAsync(platform, county, new Platform.RegistryReplica.ReplicaCountySettings
        {
            CountyId = county.CountyId, Version = 2, EffectiveFrom = DateTimeOffset.Parse(month + "-01T00:00:00+08:00").AddDays(-1).ToUniversalTime(),
            Settings = settings with { ReportingWeek = 3 },
        });
        Assert.Equal(3, (await (await staff.PostJsonAsync(county.Path("activities/generate"), new { month })).OkAsync()).GetProperty("rescheduled").GetInt32());
        var byRules = (await ReceivedAsync(receiver, 4)).Skip(1).ToList();
        Assert.All(byRules, w => Assert.Equal("rules", w.Payload.GetProperty("data").GetProperty("by").GetString()));
        Assert.DoesNotContain(byRules, w => w.Payload.GetProperty("data").GetProperty("activityId").GetGuid() == day.Id());
        var movedWeek = byRules.Single(w => w.Payload.GetProperty("data").GetProperty("activityId").GetGuid() == week.Id()).Payload.GetProperty("data");
        Assert.Equal([member], movedWeek.GetProperty("signedUpMemberIds").EnumerateArray().Select(m => m.GetGuid()));
        Assert.Equal(week.GetProperty("startsAt").GetDateTimeOffset().AddDays(7), movedWeek.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal((await staff.GetJsonAsync(county.Path($"activities/{week.Id()}"))).GetProperty("version").GetInt32(), movedWeek.GetProperty("version").GetInt32());

        // Then the week is called off: its signed-up member is named, after its move.
        await (await staff.PostJsonAsync(county.Path($"activities/{week.Id()}/cancel"), new { reason = "疫情防控" })).OkAsync();
        var cancelled = (await ReceivedAsync(receiver, 5))[4];
        Assert.True(cancelled.Verifies(secret));
        Assert.Equal("activity.cancelled", cancelled.Type);
        var cancelledData = cancelled.Payload.GetProperty("data");
        Assert.Equal((week.Id(), "疫情防控"), (cancelledData.GetProperty("activityId").GetGuid(), cancelledData.GetProperty("reason").GetString()));
        Assert.Equal([member], cancelledData.GetProperty("signedUpMemberIds").EnumerateArray().Select(m => m.GetGuid()));
        Assert.Equal(movedWeek.GetProperty("version").GetInt32() + 1, cancelledData.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Attendance_and_a_completed_activity_are_announced_with_the_service_minutes_each_attendance_in_order()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, secret) = await SubscribeAsync(client, county.Code, receiver.Url, ["attendance.recorded", "activity.completed"]);
        using var staff = platform.Gateway();
        // A volunteer service that ran from three hours ago until an hour ago.
        var startsAt = DateTimeOffset.UtcNow.AddHours(-3).AddTicks(-(DateTimeOffset.UtcNow.Ticks % TimeSpan.TicksPerMinute));
        var activity = await ActivityTestSupport.CreateActivityAsync(staff, county, startsAt, startsAt.AddHours(2), kind: "volunteer_service");
        var id = activity.Id();
        await ActivityTestSupport.OpenAsync(staff, county, id);

        // One member checks in, out after 90 minutes, and has an outcome recorded; another checks in an hour
        // late and never checks out, so the completion checks them out at the activity's end (60 minutes).
        var (first, second) = (county.Members[0].Id, county.Members[1].Id);
        var attendance = await (await staff.PostJsonAsync(county.Path($"activities/{id}/check-in"), new { memberId = first, byStaff = "社区书记 李明", at = startsAt }))
            .OkAsync(HttpStatusCode.Created);
        await (await staff.PostJsonAsync(county.Path($"activities/{id}/check-out"), new { memberId = first, byStaff = "李明", at = startsAt.AddMinutes(90) })).OkAsync();
        await (await staff.PostJsonAsync(county.Path($"attendances/{attendance.Id()}/outcome"), new { text = "为独居老人清理楼道杂物" })).OkAsync();
        await (await staff.PostJsonAsync(county.Path($"activities/{id}/check-in"), new { memberId = second, byStaff = "李明", at = startsAt.AddMinutes(60) }))
            .OkAsync(HttpStatusCode.Created);
        var done = await (await staff.PostJsonAsync(county.Path($"activities/{id}/complete"))).OkAsync();

        var received = await ReceivedAsync(receiver, 6);
        Assert.All(received, w => Assert.True(w.Verifies(secret)));
        Assert.All(received, w => Assert.Equal(county.Code, w.Payload.GetProperty("data").GetProperty("county").GetString()));
        var ofFirst = received.Where(w => w.Type == "attendance.recorded" && w.Payload.GetProperty("data").GetProperty("memberId").GetGuid() == first)
            .Select(w => w.Payload.GetProperty("data")).ToList();
        Assert.Equal(["checked_in", "checked_out", "outcome_recorded"], ofFirst.Select(d => d.GetProperty("change").GetString()));
        Assert.Equal([1, 2, 3], ofFirst.Select(d => d.GetProperty("version").GetInt32()));
        Assert.All(ofFirst, d => Assert.Equal((attendance.Id(), id), (d.GetProperty("attendanceId").GetGuid(), d.GetProperty("activityId").GetGuid())));
        Assert.Equal([0, 90, 90], ofFirst.Select(d => d.GetProperty("serviceMinutes").GetInt32()));
        Assert.Equal([false, false, true], ofFirst.Select(d => d.GetProperty("hasOutcome").GetBoolean()));
        var ofSecond = received.Where(w => w.Type == "attendance.recorded" && w.Payload.GetProperty("data").GetProperty("memberId").GetGuid() == second)
            .Select(w => w.Payload.GetProperty("data")).ToList();
        Assert.Equal([("checked_in", 0), ("checked_out", 60)], ofSecond.Select(d => (d.GetProperty("change").GetString(), d.GetProperty("serviceMinutes").GetInt32())));

        var completed = received.Single(w => w.Type == "activity.completed").Payload.GetProperty("data");
        Assert.Equal((id, "volunteer_service", 2, 150), (completed.GetProperty("activityId").GetGuid(), completed.GetProperty("kind").GetString(),
            completed.GetProperty("attendees").GetInt32(), completed.GetProperty("serviceMinutes").GetInt32()));
        Assert.Equal((activity.GetProperty("title").GetString(), done.GetProperty("version").GetInt32()),
            (completed.GetProperty("title").GetString(), completed.GetProperty("version").GetInt32()));
    }

    [Fact]
    public async Task Failed_deliveries_are_retried_and_a_receiver_down_for_a_while_gets_everything_in_order()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        var receiver = WebhookReceiver.NotYetListening();
        await using var _ = receiver;
        var (id, secret) = await SubscribeAsync(client, county.Code, receiver.Url, Loop);

        // The business flow goes on while nobody receives.
        var first = await WalkAsync(platform, county);
        var second = await WalkAsync(platform, county);
        await Poll.UntilAsync(async () => (await client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/deliveries?status=pending")).GetProperty("items")
            .EnumerateArray().Select(d => d.GetProperty("attempts").GetInt32()).DefaultIfEmpty(0).Max(), attempts => attempts >= 2, TimeSpan.FromSeconds(20), "failed attempts to be retried");
        var failing = await client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}");
        Assert.Equal("active", failing.GetProperty("status").GetString());
        Assert.True(failing.GetProperty("consecutiveFailures").GetInt32() >= 2);
        var pending = await client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/deliveries?status=pending");
        Assert.Contains(pending.GetProperty("items").EnumerateArray(), d => d.GetProperty("lastError").GetString() is { Length: > 0 });

        // Then the receiver comes up, failing its first two calls: everything arrives, each request's events in order.
        receiver.Answer = n => n <= 2 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        await receiver.StartListeningAsync();
        var received = await ReceivedAsync(receiver, 10);
        Assert.All(received, webhook => Assert.True(webhook.Verifies(secret)));
        foreach (var request in new[] { first, second })
        {
            var events = received.Where(w => w.Payload.GetProperty("data").GetProperty("request").GetProperty("requestId").GetString() == request.ToString()).ToList();
            Assert.Equal(Loop, events.Select(w => w.Type));
        }
        Assert.True(receiver.Requests >= 12);
        var recovered = await PendingDrainedAsync(client, county.Code, id);
        Assert.Equal(0, recovered.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("active", recovered.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_subscription_that_keeps_failing_is_paused_visibly_and_resumes_and_replays()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => StatusCodes.Status500InternalServerError;
        var (id, secret) = await SubscribeAsync(client, county.Code, receiver.Url, ["request.placed"]);

        await new RequestSteps(platform.Gateway(), county).PlaceAsync();

        var paused = await Poll.UntilAsync(() => client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}"),
            s => s.GetProperty("status").GetString() == "paused", TimeSpan.FromSeconds(30), "the failing subscription to be paused");
        Assert.StartsWith("failing: ", paused.GetProperty("pausedReason").GetString());
        Assert.Equal(2, paused.GetProperty("version").GetInt32()); // pausing changes the subscription: an If-Match read before it no longer holds
        Assert.Equal(1, paused.GetProperty("pendingDeliveries").GetInt64());
        using var operatorClient = platform.Gateway();
        var visible = await operatorClient.GetJsonAsync("/api/gateway/webhooks?status=paused");
        Assert.Contains(visible.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
        // While paused, events are still collected.
        await new RequestSteps(platform.Gateway(), county).PlaceAsync("另一件事：小区路灯不亮");
        await Poll.UntilAsync(async () => (await client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}")).GetProperty("pendingDeliveries").GetInt64(),
            n => n == 2, TimeSpan.FromSeconds(20), "the paused subscription to collect the second event");

        receiver.Answer = _ => StatusCodes.Status200OK;
        var resumed = await (await client.PostJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/resume")).OkAsync();
        Assert.Equal("active", resumed.GetProperty("status").GetString());
        var received = await ReceivedAsync(receiver, 2);
        Assert.All(received, w => Assert.True(w.Verifies(secret)));

        // Replay: the same message again, with the same webhook-id.
        var delivered = (await client.GetJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/deliveries")).GetProperty("items")[0];
        await (await client.PostJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/deliveries/{delivered.Id()}/replay")).OkAsync();
        var again = await ReceivedAsync(receiver, 3);
        Assert.Equal(delivered.GetProperty("webhookId").GetString(), again[2].Id);
        await PendingDrainedAsync(client, county.Code, id);
        var replayed = await (await client.PostJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/replay", new { from = DateTimeOffset.UtcNow.AddHours(-1) })).OkAsync();
        Assert.Equal(2, replayed.GetProperty("requeued").GetInt64());
        await ReceivedAsync(receiver, 5);
    }

    [Fact]
    public async Task A_replayed_or_resumed_delivery_gets_a_fresh_retry_window_however_old_its_event()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, _) = await SubscribeAsync(client, county.Code, receiver.Url, ["request.placed"]);
        var path = $"/api/gateway/counties/{county.Code}/webhooks/{id}";
        var steps = new RequestSteps(platform.Gateway(), county);
        await steps.PlaceAsync();
        await ReceivedAsync(receiver, 1);
        await PendingDrainedAsync(client, county.Code, id);

        // Its event arrived longer ago than the retry window (26 h); replayed, the receiver refuses it once.
        await AgeAsync(platform, id, DeliveryStatus.Delivered);
        var old = (await client.GetJsonAsync($"{path}/deliveries")).GetProperty("items")[0];
        var arrived = old.GetProperty("createdAt").GetDateTimeOffset();
        RefuseNext(receiver);
        await (await client.PostJsonAsync($"{path}/deliveries/{old.Id()}/replay")).OkAsync();
        await ReceivedAsync(receiver, 2);
        var replayed = await DeliveredAsync(client, path, old.Id());
        Assert.Equal((arrived, 3), (replayed.GetProperty("createdAt").GetDateTimeOffset(), replayed.GetProperty("attempts").GetInt32()));

        // So is a replay from an instant.
        RefuseNext(receiver);
        var again = await (await client.PostJsonAsync($"{path}/replay", new { from = arrived.AddMinutes(-1) })).OkAsync();
        Assert.Equal(1, again.GetProperty("requeued").GetInt64());
        await ReceivedAsync(receiver, 3);
        Assert.Equal(5, (await DeliveredAsync(client, path, old.Id())).GetProperty("attempts").GetInt32());

        // A delivery collected during a long pause: resumed, it is retried too.
        await (await client.PostJsonAsync($"{path}/pause")).OkAsync();
        await steps.PlaceAsync("另一件事：小区路灯不亮");
        await Poll.UntilAsync(async () => (await client.GetJsonAsync(path)).GetProperty("pendingDeliveries").GetInt64(),
            n => n == 1, TimeSpan.FromSeconds(20), "the paused subscription to collect the event");
        await AgeAsync(platform, id, DeliveryStatus.Pending);
        RefuseNext(receiver);
        await (await client.PostJsonAsync($"{path}/resume")).OkAsync();
        await ReceivedAsync(receiver, 4);
        var drained = await PendingDrainedAsync(client, county.Code, id);
        Assert.Equal(0, drained.GetProperty("failedDeliveries").GetInt64());
        Assert.Equal(7, receiver.Requests);
    }

    /// <summary>Moves the arrival of a subscription's deliveries in a status 30 hours back, past the retry window.</summary>
    private async Task AgeAsync(RunningPlatform platform, Guid subscription, string status) =>
        Assert.NotNull(await fixture.QueryScalarAsync<string>(platform.Databases["gateway"].Name,
            $"UPDATE webhook_deliveries SET created_at = created_at - interval '30 hours' WHERE subscription_id = '{subscription}' AND status = '{status}' RETURNING id::text"));

    /// <summary>The receiver answers its next call 503, and 200 after it.</summary>
    private static void RefuseNext(WebhookReceiver receiver)
    {
        var refused = receiver.Requests + 1;
        receiver.Answer = n => n == refused ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
    }

    private static Task<JsonElement> DeliveredAsync(HttpClient client, string path, Guid delivery) =>
        Poll.UntilAsync(async () => (await client.GetJsonAsync($"{path}/deliveries")).GetProperty("items").EnumerateArray().Single(d => d.Id() == delivery),
            d => d.GetProperty("status").GetString() == DeliveryStatus.Delivered, TimeSpan.FromSeconds(10), $"delivery {delivery} to be recorded as delivered");

    [Fact]
    public async Task Subscriptions_are_validated_and_belong_to_their_county()
    {
        var platform = await fixture.PlatformAsync();
        var (countyA, clientA) = await CountyAsync(platform);
        var (countyB, _) = await CountyAsync(platform);
        using var admin = platform.Gateway();
        var (id, _) = await SubscribeAsync(clientA, countyA.Code, "http://127.0.0.1:9/hook", ["request.placed"]);
        var path = $"/api/gateway/counties/{countyA.Code}/webhooks";

        await (await clientA.PostJsonAsync(path, new { url = "ftp://example.cn/x", eventTypes = new[] { "request.placed" } })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "url");
        await (await clientA.PostJsonAsync(path, new { url = "https://example.cn/x", eventTypes = new[] { "request.exploded" } })).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "eventTypes");
        // A null entry names no event type: stored, the subscription would never receive anything.
        await (await clientA.PostJsonAsync(path, new { url = "https://example.cn/x", eventTypes = new[] { null, "request.placed" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "eventTypes[0]");
        await (await clientA.PutJsonAsync($"{path}/{id}", new { url = "https://example.cn/x", eventTypes = new[] { "request.placed", "" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "eventTypes[1]");
        await (await clientA.GetAsync($"{path}?status=sleeping")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "status");
        // County B's path with county A's subscription: not found; B's list never shows A's.
        var b = $"/api/gateway/counties/{countyB.Code}/webhooks";
        await (await admin.GetAsync($"{b}/{id}")).ProblemAsync(HttpStatusCode.NotFound, "webhook_not_found");
        await (await admin.PostJsonAsync($"{b}/{id}/pause")).ProblemAsync(HttpStatusCode.NotFound, "webhook_not_found");
        await (await admin.GetAsync($"{b}/{id}/deliveries")).ProblemAsync(HttpStatusCode.NotFound, "webhook_not_found");
        Assert.Equal(0, (await admin.GetJsonAsync(b)).GetProperty("total").GetInt64());
        Assert.Equal(1, (await admin.GetJsonAsync(path)).GetProperty("total").GetInt64());

        // Update with If-Match, pause by request, delete.
        var current = await clientA.GetAsync($"{path}/{id}");
        var etag = current.Headers.ETag!.Tag;
        await (await clientA.PutJsonAsync($"{path}/{id}", new { url = "http://127.0.0.1:9/other", eventTypes = new[] { "request.rated" } }, ifMatch: etag)).OkAsync();
        await (await clientA.PutJsonAsync($"{path}/{id}", new { url = "http://127.0.0.1:9/other", eventTypes = new[] { "request.rated" } }, ifMatch: etag))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("requested", (await (await clientA.PostJsonAsync($"{path}/{id}/pause")).OkAsync()).GetProperty("pausedReason").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await clientA.DeleteAsync($"{path}/{id}")).StatusCode);
        await (await clientA.PostJsonAsync($"{path}/{id}/resume")).ProblemAsync(HttpStatusCode.Conflict, "webhook_deleted");
        Assert.Equal(0, (await admin.GetJsonAsync(path)).GetProperty("total").GetInt64());
        var types = await clientA.GetJsonAsync("/api/gateway/webhook-event-types");
        Assert.Contains(types.EnumerateArray(), t => t.GetProperty("type").GetString() == "request.escalated");
    }

    [Fact]
    public async Task Pause_resume_and_delete_honour_If_Match_and_answer_the_new_ETag()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        using var client = platform.GatewayAs((await GatewayClients.CreateAsync(platform, county, scopes: ["webhooks"])).Key);
        var path = $"/api/gateway/counties/{county}/webhooks";
        using var subscribed = await client.PostJsonAsync(path, new { url = "http://127.0.0.1:9/hook", eventTypes = new[] { "request.placed" } });
        var id = (await subscribed.OkAsync(HttpStatusCode.Created)).GetProperty("subscription").Id();
        var created = subscribed.Headers.ETag!.Tag;

        // A tag the subscription no longer has changes nothing; the current one does, and the answer gives the next.
        await (await client.PostJsonAsync($"{path}/{id}/pause", ifMatch: "\"99\"")).ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Equal("active", (await client.GetJsonAsync($"{path}/{id}")).GetProperty("status").GetString());
        using var paused = await client.PostJsonAsync($"{path}/{id}/pause", ifMatch: created);
        var pausedVersion = (await paused.OkAsync()).GetProperty("version").GetInt32();
        Assert.Equal($"\"{pausedVersion}\"", paused.Headers.ETag?.Tag);
        Assert.NotEqual(created, paused.Headers.ETag!.Tag);

        await (await client.PostJsonAsync($"{path}/{id}/resume", ifMatch: created)).ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Equal("paused", (await client.GetJsonAsync($"{path}/{id}")).GetProperty("status").GetString());
        using var resumed = await client.PostJsonAsync($"{path}/{id}/resume", ifMatch: paused.Headers.ETag.Tag);
        var resumedVersion = (await resumed.OkAsync()).GetProperty("version").GetInt32();
        Assert.Equal($"\"{resumedVersion}\"", resumed.Headers.ETag?.Tag);
        Assert.True(resumedVersion > pausedVersion);

        await (await client.SendJsonAsync(HttpMethod.Delete, $"{path}/{id}", ifMatch: paused.Headers.ETag.Tag))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed", "If-Match");
        Assert.Equal("active", (await client.GetJsonAsync($"{path}/{id}")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendJsonAsync(HttpMethod.Delete, $"{path}/{id}", ifMatch: resumed.Headers.ETag!.Tag)).StatusCode);
        Assert.Equal("deleted", (await client.GetJsonAsync($"{path}/{id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_changed_subscription_gets_the_very_next_event_it_now_wants_and_none_it_no_longer_does()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, _) = await SubscribeAsync(client, county.Code, receiver.Url, ["request.placed"]);
        var steps = new RequestSteps(platform.Gateway(), county);
        var member = county.Members[0].Id;

        // Only the placing is wanted: the dispatch leaves nothing.
        var first = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(first, "ordinary", "member", new { memberId = member });
        Assert.Equal(["request.placed"], (await ReceivedAsync(receiver, 1)).Select(w => w.Type));

        // The gateway counts the change at once, without waiting for its cached interest to expire.
        using (var changed = await client.PutJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}",
                   new { url = receiver.Url, eventTypes = new[] { "request.dispatched" }, description = "只要派单" }))
        {
            await changed.OkAsync();
        }
        var second = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(second, "ordinary", "member", new { memberId = member });
        var received = await ReceivedAsync(receiver, 2);
        Assert.Equal(["request.placed", "request.dispatched"], received.Select(w => w.Type));
        Assert.Equal(second.ToString(), received[1].Payload.GetProperty("data").GetProperty("request").GetProperty("requestId").GetString());

        var deliveries = await PendingDrainedAsync(client, county.Code, id);
        Assert.Equal(0, deliveries.GetProperty("failedDeliveries").GetInt64());
        Assert.Equal(2, receiver.Accepted.Count);
    }

    [Fact]
    public async Task The_gateway_receives_an_event_type_only_while_a_live_subscription_wants_it()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        var path = $"/api/gateway/counties/{county.Code}/webhooks";

        // Subscribing binds the type's queue before it answers.
        var (id, _) = await SubscribeAsync(client, county.Code, "http://127.0.0.1:9/cancelled", ["request.cancelled"]);
        Assert.Contains("request.cancelled", await BoundAsync());
        Assert.Equal(await WantedAsync(platform), await BoundAsync());

        // Changing the types binds the new one and unbinds the old unless another subscription wants it.
        var etag = (await client.GetAsync($"{path}/{id}")).Headers.ETag!.Tag;
        await (await client.PutJsonAsync($"{path}/{id}", new { url = "http://127.0.0.1:9/extended", eventTypes = new[] { "request.extended" } }, ifMatch: etag)).OkAsync();
        Assert.Contains("request.extended", await BoundAsync());
        Assert.Equal(await WantedAsync(platform), await BoundAsync());

        // A paused subscription still collects, so its type stays bound; a deleted one does not.
        await (await client.PostJsonAsync($"{path}/{id}/pause")).OkAsync();
        Assert.Contains("request.extended", await BoundAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/{id}")).StatusCode);
        var wanted = await WantedAsync(platform);
        Assert.Equal(wanted, await BoundAsync());
        Assert.Equal(wanted.Contains("request.extended"), (await BoundAsync()).Contains("request.extended"));

        // The types no subscription wants are not bound: the gateway's queues miss them altogether.
        Assert.True(WebhookEventTypes.Names.Except(wanted).Any(), "every type is wanted by some test's subscription; nothing left to check unbound");
    }

    [Fact]
    public async Task A_subscription_made_with_an_idempotency_key_keeps_its_type_bound_once_the_key_commits()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        var path = $"/api/gateway/counties/{county.Code}/webhooks";
        Assert.DoesNotContain("request.reopened", await WantedAsync(platform));

        // With a key, the subscription is saved in the key's transaction and committed only when the
        // answer is stored: the pass that unbinds unwanted types must not run before then.
        using var subscribe = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { url = "http://127.0.0.1:9/reopened", eventTypes = new[] { "request.reopened" } }),
        };
        subscribe.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var id = (await (await client.SendAsync(subscribe)).OkAsync(HttpStatusCode.Created)).GetProperty("subscription").Id();

        var bound = await Poll.UntilAsync(async () => (Bound: await BoundAsync(), Wanted: await WantedAsync(platform)),
            b => b.Bound.SetEquals(b.Wanted), TimeSpan.FromSeconds(20), "the bindings matching the live subscriptions");
        Assert.Contains("request.reopened", bound.Bound);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{path}/{id}")).StatusCode);
    }

    /// <summary>The event types live subscriptions of any county want, from the gateway's database.</summary>
    private async Task<SortedSet<string>> WantedAsync(RunningPlatform platform)
    {
        var types = await fixture.QueryScalarAsync<string[]>(platform.Databases["gateway"].Name,
            "SELECT coalesce(array_agg(DISTINCT t), '{}') FROM webhook_subscriptions, unnest(event_types) AS t WHERE status <> 'deleted'");
        return new SortedSet<string>(types, StringComparer.Ordinal);
    }

    /// <summary>The event types whose exchange is bound to one of the gateway's webhook queues, from RabbitMQ's management API.</summary>
    private async Task<SortedSet<string>> BoundAsync()
    {
        using var management = fixture.ManagementClient();
        var bound = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var eventType in WebhookEventTypes.All)
        {
            var exchange = Uri.EscapeDataString($"{eventType.Route.Message.Namespace}:{eventType.Route.Message.Name}");
            using var response = await management.GetAsync($"api/exchanges/%2F/{exchange}/bindings/source");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }
            var bindings = await response.OkAsync();
            if (bindings.EnumerateArray().Any(b => b.GetProperty("destination").GetString()!.StartsWith("gateway-", StringComparison.Ordinal)))
            {
                bound.Add(eventType.Type);
            }
        }
        return bound;
    }

    [Fact]
    public async Task Operators_see_failing_subscriptions_their_waiting_deliveries_and_clients_held_back_by_their_rate_limit()
    {
        var platform = await fixture.PlatformAsync();
        var (county, client) = await CountyAsync(platform);
        var receiver = WebhookReceiver.NotYetListening();
        await using var _ = receiver;
        // The receiver's credential rides in the query: the panel must not show it.
        var (id, _) = await SubscribeAsync(client, county.Code, receiver.Url + "?token=s3cret", ["request.placed"]);
        using var ops = platform.Gateway();
        var panelPath = $"/ops/api/integrations?county={county.Code}";
        var quiet = await ops.GetJsonAsync(panelPath);
        Assert.Equal(1, quiet.GetProperty("webhooks").GetProperty("active").GetInt32());
        Assert.Equal(0, quiet.GetProperty("webhooks").GetProperty("needAttention").GetInt32());
        Assert.Equal(1, quiet.GetProperty("clients").GetProperty("countyClients").GetInt32());
        Assert.Equal(1, quiet.GetProperty("clients").GetProperty("counties").GetInt32());

        await new RequestSteps(platform.Gateway(), county).PlaceAsync();

        var failing = await Poll.UntilAsync(() => ops.GetJsonAsync(panelPath),
            p => Attention(p, id) is { } s && s.GetProperty("consecutiveFailures").GetInt32() >= 1, TimeSpan.FromSeconds(20), "the failing subscription to show");
        var row = Attention(failing, id)!.Value;
        Assert.Equal(county.Code, row.GetProperty("county").GetString());
        Assert.Equal(receiver.Url, row.GetProperty("target").GetString());
        Assert.Equal("active", row.GetProperty("status").GetString());
        Assert.Equal(1, row.GetProperty("pending").GetInt64());
        Assert.False(string.IsNullOrEmpty(row.GetProperty("lastError").GetString()));
        var webhooks = failing.GetProperty("webhooks");
        Assert.Equal(1, webhooks.GetProperty("needAttention").GetInt32());
        Assert.Equal(1, webhooks.GetProperty("pending").GetInt64());
        Assert.Equal(1, webhooks.GetProperty("retrying").GetInt64());
        Assert.True(webhooks.GetProperty("oldestPendingSeconds").GetDouble() >= 0);
        // Every county's view holds it too; another county's does not.
        Assert.NotNull(Attention(await ops.GetJsonAsync("/ops/api/integrations"), id));
        var otherPanel = "/ops/api/integrations?county=" + await GatewayClients.CountyAsync(platform);
        var elsewhere = await ops.GetJsonAsync(otherPanel);
        Assert.Null(Attention(elsewhere, id));
        Assert.Equal(0, elsewhere.GetProperty("webhooks").GetProperty("pending").GetInt64());
        await (await ops.GetAsync("/ops/api/integrations?county=51-16")).ProblemAsync(HttpStatusCode.BadRequest, "validation_failed", "county");

        // A client whose bucket runs dry is listed with the refusals of the last hour.
        var hasty = await GatewayClients.CreateAsync(platform, county.Code, rateLimit: new { permitsPerSecond = 0.1, burst = 1 });
        using (var calls = platform.GatewayAs(hasty.Key))
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 3; i++)
            {
                using var answer = await calls.GetAsync($"/api/dispatch/counties/{county.Code}/requests");
                statuses.Add(answer.StatusCode);
            }
            Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        }
        var limited = await Poll.UntilAsync(() => ops.GetJsonAsync(panelPath),
            p => p.GetProperty("limited").EnumerateArray().Any(l => l.Id() == hasty.Id), TimeSpan.FromSeconds(10), "the limited client to show");
        var entry = limited.GetProperty("limited").EnumerateArray().Single(l => l.Id() == hasty.Id);
        Assert.Equal("client", entry.GetProperty("policy").GetString());
        Assert.Equal(2, entry.GetProperty("refused").GetInt64());
        Assert.Equal(1, entry.GetProperty("burst").GetInt32());
        Assert.Equal(county.Code, entry.GetProperty("county").GetString());
        Assert.DoesNotContain((await ops.GetJsonAsync(otherPanel)).GetProperty("limited").EnumerateArray(), l => l.Id() == hasty.Id);
        // The traffic panel names the client among those failing most.
        var traffic = await Poll.UntilAsync(() => ops.GetJsonAsync("/ops/api/traffic"),
            t => t.GetProperty("failingClients").EnumerateArray().Any(c => c.GetProperty("key").GetString() == hasty.Id.ToString()), TimeSpan.FromSeconds(10), "the client among the failing");
        var failingClient = traffic.GetProperty("failingClients").EnumerateArray().Single(c => c.GetProperty("key").GetString() == hasty.Id.ToString());
        Assert.Equal(entry.GetProperty("name").GetString(), failingClient.GetProperty("name").GetString());
        Assert.StartsWith("测试客户端", failingClient.GetProperty("name").GetString());

        // Still failing, it is paused (after seconds here, days in production): paused ones come first, with the reason.
        var paused = await Poll.UntilAsync(() => ops.GetJsonAsync(panelPath),
            p => Attention(p, id) is { } s && s.GetProperty("status").GetString() == "paused", TimeSpan.FromSeconds(30), "the subscription to be paused");
        Assert.StartsWith("failing", Attention(paused, id)!.Value.GetProperty("pausedReason").GetString());
        Assert.Equal(1, paused.GetProperty("webhooks").GetProperty("paused").GetInt32());

        // The receiver comes back and the owner resumes: the delivery goes out and the subscription needs no attention any more.
        await receiver.StartListeningAsync();
        await (await client.PostJsonAsync($"/api/gateway/counties/{county.Code}/webhooks/{id}/resume")).OkAsync();
        var recovered = await Poll.UntilAsync(() => ops.GetJsonAsync(panelPath),
            p => p.GetProperty("webhooks").GetProperty("needAttention").GetInt32() == 0, TimeSpan.FromSeconds(30), "the subscription to recover");
        Assert.Equal(0, recovered.GetProperty("webhooks").GetProperty("pending").GetInt64());
        Assert.Single(receiver.Accepted);
    }

    private static JsonElement? Attention(JsonElement panel, Guid subscription) =>
        panel.GetProperty("webhooks").GetProperty("attention").EnumerateArray().Where(s => s.Id() == subscription).Cast<JsonElement?>().FirstOrDefault();

    /// <summary>A Dispatch county known to the gateway, and a client of it allowed webhooks.</summary>
    private static async Task<(DispatchCounty County, HttpClient Client)> CountyAsync(RunningPlatform platform)
    {
        var county = await DispatchSeed.CountyAsync(platform);
        await GatewayClients.KnownAsync(platform, county.Code);
        var app = await GatewayClients.CreateAsync(platform, county.Code, scopes: ["webhooks", "requests:read"]);
        return (county, platform.GatewayAs(app.Key));
    }

    private static async Task<(Guid Id, string Secret)> SubscribeAsync(HttpClient client, string county, string url, string[] eventTypes)
    {
        using var response = await client.PostJsonAsync($"/api/gateway/counties/{county}/webhooks", new { url, eventTypes, description = "测试接收端" });
        var created = await response.OkAsync(HttpStatusCode.Created);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        return (created.GetProperty("subscription").Id(), secret);
    }

    /// <summary>Places, dispatches to a member, accepts, completes and rates one request, quickly.</summary>
    private static async Task<Guid> WalkAsync(RunningPlatform platform, DispatchCounty county)
    {
        var steps = new RequestSteps(platform.Gateway(), county);
        var member = county.Members[0].Id;
        var id = (await steps.PlaceAsync()).Id();
        await steps.DispatchAsync(id, "ordinary", "member", new { memberId = member });
        await steps.DoAsync(id, "accept", new { memberId = member });
        await steps.DoAsync(id, "start", new { memberId = member });
        await steps.DoAsync(id, "complete", new { memberId = member, result = "已修好" });
        await steps.DoAsync(id, "rate", new { satisfaction = "satisfied" });
        return id;
    }

    private static Task<JsonElement> PendingDrainedAsync(HttpClient client, string county, Guid id) =>
        Poll.UntilAsync(() => client.GetJsonAsync($"/api/gateway/counties/{county}/webhooks/{id}"),
            s => s.GetProperty("pendingDeliveries").GetInt64() == 0, TimeSpan.FromSeconds(10), "no delivery to be pending");

    private static async Task<IReadOnlyList<ReceivedWebhook>> ReceivedAsync(WebhookReceiver receiver, int count)
    {
        await Poll.UntilAsync(() => Task.FromResult(receiver.Accepted.Count), n => n >= count, TimeSpan.FromSeconds(30), $"{count} webhooks to arrive");
        return receiver.Accepted.ToList();
    }
}
