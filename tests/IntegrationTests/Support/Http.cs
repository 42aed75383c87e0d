using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Support;

/// <summary>Small helpers for the API tests: JSON calls with If-Match, and asserting problem answers.</summary>
public static class Http
{
    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(body);
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object? body = null, string? ifMatch = null) =>
        client.SendJsonAsync(HttpMethod.Post, path, body, ifMatch);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object body, string? ifMatch = null) =>
        client.SendJsonAsync(HttpMethod.Put, path, body, ifMatch);

    /// <summary>GET that must answer 200; returns the body (the failure message shows what came instead).</summary>
    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await response.OkAsync();
    }

    /// <summary>Asserts a success status and returns the body.</summary>
    public static async Task<JsonElement> OkAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem answer with the status, code and (when given) the field it names.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.True(problem.GetProperty("code").GetString() == code, $"Expected code {code}: {text}");
        if (field is not null)
        {
            var named = problem.TryGetProperty("errors", out var errors)
                ? errors.TryGetProperty(field, out _)
                : problem.TryGetProperty("field", out var f) && f.GetString() == field;
            Assert.True(named, $"Expected the problem to name '{field}': {text}");
        }
        return problem;
    }

    public static Guid Id(this JsonElement resource) => resource.GetProperty("id").GetGuid();
}
