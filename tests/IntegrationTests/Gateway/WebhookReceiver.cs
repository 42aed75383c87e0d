using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests.Gateway;

/// <summary>One delivery as the receiver saw it.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body)
{
    public JsonElement Payload => JsonDocument.Parse(Body).RootElement;

    public string Type => Payload.GetProperty("type").GetString()!;

    public int Version => Payload.GetProperty("data").GetProperty("request").GetProperty("version").GetInt32();

    /// <summary>Verifies the Standard Webhooks signature with the subscription's secret.</summary>
    public bool Verifies(string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{Id}.{Timestamp}.{Body}")));
        return Signature.Split(' ').Contains(expected);
    }
}

/// <summary>
/// An integrator's webhook endpoint in the test process (Kestrel on a loopback port): records what
/// it accepts, and answers what <see cref="Answer"/> says (500 to simulate a failing receiver).
/// It can be started late, on a port chosen up front, to play a receiver that was down.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;
    private int _requests;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/platform";

    /// <summary>The status to answer the n-th request (1-based) with; 200 by default.</summary>
    public Func<int, int> Answer { get; set; } = _ => StatusCodes.Status200OK;

    public ConcurrentQueue<ReceivedWebhook> Accepted { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(FreePort.Next());
        await receiver.StartListeningAsync();
        return receiver;
    }

    /// <summary>A receiver that is down until <see cref="StartListeningAsync"/>.</summary>
    public static WebhookReceiver NotYetListening() => new(FreePort.Next());

    public async Task StartListeningAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hooks/platform", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var status = Answer(Interlocked.Increment(ref _requests));
            if (status is >= 200 and < 300)
            {
                Accepted.Enqueue(new ReceivedWebhook(http.Request.Headers["webhook-id"].ToString(), http.Request.Headers["webhook-timestamp"].ToString(),
                    http.Request.Headers["webhook-signature"].ToString(), body));
            }
            return Results.StatusCode(status);
        });
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
