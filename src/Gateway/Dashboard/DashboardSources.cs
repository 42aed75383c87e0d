using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Platform.Gateway.Dashboard;

/// <summary>One instance of a service behind the gateway (<c>services:{service}:http:{index}</c>).</summary>
public sealed record ServiceInstance(string Service, int Index, string Url);

/// <summary>What a read of a service gave: the value, or why there is none ("Connection refused (…)", "no answer within 2 s", "answered 503").</summary>
public readonly record struct Read<T>(T? Value, string? Error)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Where the dashboard's figures come from: each service instance's internal <c>/ops</c> and
/// <c>/health</c> endpoints, and RabbitMQ's management API. Every read is bounded by
/// <c>Dashboard:ReadTimeout</c> and turns a failure into a sentence rather than an exception, so
/// one service down leaves the rest of the page working.
/// </summary>
public sealed class DashboardSources
{
    public const string HttpClientName = "ops-dashboard";
    public const string ManagementClientName = "ops-rabbitmq";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IHttpClientFactory _clients;

    public DashboardSources(IHttpClientFactory clients, IConfiguration configuration, IOptions<DashboardOptions> options)
    {
        _clients = clients;
        Options = options.Value;
        Instances = [.. ServiceProxy.Services.SelectMany(service => configuration.GetSection($"services:{service}:http").GetChildren()
            .Select(child => child.Value)
            .Where(url => !string.IsNullOrWhiteSpace(url))
            .Select((url, index) => new ServiceInstance(service, index, url!.TrimEnd('/'))))];
    }

    public DashboardOptions Options { get; }

    public IReadOnlyList<ServiceInstance> Instances { get; }

    public IEnumerable<ServiceInstance> InstancesOf(string service) => Instances.Where(i => i.Service == service);

    /// <summary>GET {instance}{path} as JSON of type <typeparamref name="T"/>.</summary>
    public async Task<Read<T>> ReadAsync<T>(ServiceInstance instance, string path, CancellationToken cancellationToken)
    {
        var (status, body, error) = await GetAsync(_clients.CreateClient(HttpClientName), instance.Url + path, cancellationToken);
        if (error is not null)
        {
            return new Read<T>(default, error);
        }
        if (status is < 200 or > 299)
        {
            return new Read<T>(default, $"answered {status}");
        }
        try
        {
            return new Read<T>(JsonSerializer.Deserialize<T>(body!, Json), null);
        }
        catch (JsonException exception)
        {
            return new Read<T>(default, "answered what is not JSON: " + exception.Message);
        }
    }

    /// <summary>The same read from every instance (of one service, or all), in parallel.</summary>
    public async Task<IReadOnlyList<(ServiceInstance Instance, Read<T> Read)>> ReadAllAsync<T>(string path, CancellationToken cancellationToken, string? service = null)
    {
        var instances = service is null ? Instances : [.. InstancesOf(service)];
        var reads = await Task.WhenAll(instances.Select(instance => ReadAsync<T>(instance, path, cancellationToken)));
        return [.. instances.Zip(reads)];
    }

    /// <summary>Any status with its body (a /health answering 503 still says why).</summary>
    public Task<(int Status, string? Body, string? Error)> GetRawAsync(ServiceInstance instance, string path, CancellationToken cancellationToken) =>
        GetAsync(_clients.CreateClient(HttpClientName), instance.Url + path, cancellationToken);

    /// <summary>GET on RabbitMQ's management API (path under /api/), as JSON.</summary>
    public async Task<Read<JsonNode>> ManagementAsync(string path, CancellationToken cancellationToken, HttpContent? post = null)
    {
        if (Options.RabbitMqManagement is not { } root)
        {
            return new Read<JsonNode>(null, "RabbitMQ's management API is not configured (services:messaging:management:0)");
        }
        var client = _clients.CreateClient(ManagementClientName);
        using var request = new HttpRequestMessage(post is null ? HttpMethod.Get : HttpMethod.Post, new Uri(root, "api/" + path)) { Content = post };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Options.RabbitMqUser}:{Options.RabbitMqPassword}")));
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new Read<JsonNode>(null, $"RabbitMQ management answered {(int)response.StatusCode}");
            }
            return new Read<JsonNode>(JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)), null);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return new Read<JsonNode>(null, "RabbitMQ management unreachable: " + Describe(exception, Options.ReadTimeout));
        }
    }

    private async Task<(int Status, string? Body, string? Error)> GetAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), null);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (0, null, Describe(exception, Options.ReadTimeout));
        }
    }

    private static string Describe(Exception exception, TimeSpan timeout) => exception switch
    {
        TaskCanceledException => $"no answer within {timeout.TotalSeconds:0.#} s",
        HttpRequestException { InnerException: { } inner } => inner.Message,
        _ => exception.Message,
    };
}

/// <summary>The panels' short cache: several pages polling at once cost what one does.</summary>
internal static class PanelCache
{
    public static async Task<T> ReadThroughAsync<T>(this IMemoryCache cache, string key, TimeSpan lifetime, Func<Task<T>> read) =>
        (await cache.GetOrCreateAsync(key, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = lifetime;
            return read();
        }))!;
}
