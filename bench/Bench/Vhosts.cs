using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.LocalInfrastructure;

namespace Platform.Bench;

/// <summary>A RabbitMQ virtual host per measurement, so that queues, bindings and counts never mix.</summary>
public static class Vhosts
{
    /// <summary>A client of the broker's management API, as the local broker's guest.</summary>
    public static HttpClient ManagementClient(RabbitMqNode broker)
    {
        var client = new HttpClient { BaseAddress = broker.ManagementUri, Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        return client;
    }

    /// <summary>Creates the vhost (management API), gives guest every permission on it, returns its amqp:// URI.</summary>
    public static async Task<string> CreateAsync(RabbitMqNode broker, string name, CancellationToken cancellationToken)
    {
        using var client = ManagementClient(broker);
        var escaped = Uri.EscapeDataString(name);
        using (var created = await client.PutAsJsonAsync($"api/vhosts/{escaped}", new { }, cancellationToken))
        {
            created.EnsureSuccessStatusCode();
        }
        using (var permitted = await client.PutAsJsonAsync($"api/permissions/{escaped}/guest", new { configure = ".*", write = ".*", read = ".*" }, cancellationToken))
        {
            permitted.EnsureSuccessStatusCode();
        }
        return broker.AmqpUri.TrimEnd('/') + "/" + escaped;
    }
}
