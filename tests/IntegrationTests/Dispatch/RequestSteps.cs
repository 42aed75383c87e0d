using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Dispatch;

/// <summary>The closed loop's calls through the gateway, for tests that walk a request along.</summary>
public sealed class RequestSteps(HttpClient client, DispatchCounty county)
{
    public HttpClient Client => client;

    public DispatchCounty County => county;

    public async Task<JsonElement> PlaceAsync(string description = "3栋2单元楼道灯坏了，晚上老人上下楼不方便", string category = "livelihood",
        bool microWish = false, Guid? gridId = null, Guid? communityId = null)
    {
        var body = new
        {
            category, description, communityId = communityId ?? county.Community1.Id, gridId = gridId ?? (communityId is null ? county.Grid1.Id : null),
            residentName = "李阿姨", residentPhone = "13812345678", channel = "hotline", isMicroWish = microWish,
        };
        return await (await client.PostJsonAsync(county.Path("requests"), body)).OkAsync(HttpStatusCode.Created);
    }

    public Task<HttpResponseMessage> CommandAsync(Guid id, string command, object? body = null) =>
        client.PostJsonAsync(county.Path($"requests/{id}/{command}"), body ?? new { });

    public async Task<JsonElement> DoAsync(Guid id, string command, object? body = null) => await (await CommandAsync(id, command, body)).OkAsync();

    /// <summary>A command made for a person in the role named (<c>X-Actor-Role</c>), e.g. a member acting for themself.</summary>
    public Task<HttpResponseMessage> CommandAsAsync(string role, Guid id, string command, object? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, county.Path($"requests/{id}/{command}")) { Content = System.Net.Http.Json.JsonContent.Create(body ?? new { }) };
        request.Headers.Add("X-Actor-Role", role);
        return client.SendAsync(request);
    }

    public Task<JsonElement> DispatchAsync(Guid id, string tier, string mode, object? extra = null) =>
        DoAsync(id, "dispatch", Merge(new Dictionary<string, object?> { ["tier"] = tier, ["mode"] = mode }, extra));

    public async Task<Guid> InProgressWithAsync(Guid member, string description = "3栋2单元楼道灯坏了，晚上老人上下楼不方便")
    {
        var id = (await PlaceAsync(description)).Id();
        await DispatchAsync(id, "ordinary", "member", new { memberId = member });
        await DoAsync(id, "accept", new { memberId = member });
        await DoAsync(id, "start", new { memberId = member });
        return id;
    }

    public Task<JsonElement> GetAsync(Guid id) => client.GetJsonAsync(county.Path($"requests/{id}"));

    public async Task<IReadOnlyList<string>> HistoryActionsAsync(Guid id) =>
        (await client.GetJsonAsync(county.Path($"requests/{id}/history"))).EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToList();

    private static Dictionary<string, object?> Merge(Dictionary<string, object?> body, object? extra)
    {
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, new JsonSerializerOptions(JsonSerializerDefaults.Web)).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }
        return body;
    }
}
