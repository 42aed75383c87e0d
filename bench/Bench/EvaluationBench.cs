using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using Platform.Contracts;
using Platform.Contracts.Dispatch;
using Platform.DemoCounty;

namespace Platform.Bench;

/// <summary>
/// `bench/run evaluation`: Evaluation's service record under load on a running platform (Release,
/// durable PostgreSQL) with the demo county loaded through the gateway. 100,000 service events of
/// this quarter (18,000 requests placed → dispatched → claimed → completed → rated, and 5,000
/// attendances checked in and out) are published straight to RabbitMQ with MassTransit, as Dispatch
/// would publish them; the figures: events taken into the ledger per second (first publish to the
/// last one recorded through the inbox; target ≥ 2,000/s), the time to compute the quarter's points,
/// three rates, star ratings and coverage for the county (target &lt; 2 s), and to produce the
/// quarterly notice as XLSX.
/// </summary>
public static class EvaluationBench
{
    private const string CountyCode = "511621";
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static async Task RunAsync(Figures figures, CancellationToken cancellationToken)
    {
        var requests = Setting("BENCH_REQUESTS", 18_000);
        var attendances = Setting("BENCH_ATTENDANCES", 5_000);
        using var run = await RunFolder.CreateAsync(cancellationToken);
        await using var platform = await BenchPlatform.StartAsync(run, cancellationToken,
            new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });

        Log.Write("loading the demo county through the gateway");
        using var gateway = platform.GatewayClient();
        var files = DemoCountyGenerator.Generate();
        await new DemoCountyLoader(gateway, line => Log.Write(line)).LoadAsync(CountyCode, "岳池县", files, cancellationToken);
        await platform.WaitForAsync<long>("registry", "SELECT count(*) FROM outbox_messages", n => n == 0, TimeSpan.FromMinutes(3), "Registry's outbox draining", cancellationToken);
        foreach (var (table, csv) in new[] { ("registry_areas", files.Areas), ("registry_organisations", files.Organisations), ("registry_members", files.Members),
            ("registry_pairings", files.Pairings), ("registry_reports", files.Reports) })
        {
            var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
            await platform.WaitForAsync<long>("evaluation", $"SELECT count(*) FROM {table}", n => n >= rows, TimeSpan.FromMinutes(5), $"Evaluation copying {rows} rows into {table}", cancellationToken);
        }
        await platform.WaitForAsync<long>("evaluation", "SELECT count(*) FROM registry_county_settings", n => n >= 1, TimeSpan.FromMinutes(1), "Evaluation learning the settings", cancellationToken);

        var now = DateTimeOffset.UtcNow;
        var quarter = Quarter(now);
        var events = await GenerateAsync(platform, requests, attendances, quarter.From, now, cancellationToken);
        Log.Write($"{events.Count} events of {quarter.Key} generated ({requests} requests × 5, {attendances} attendances × 2)");

        // Serialised before the clock starts, as MassTransit envelopes, so the publisher costs the two cores little.
        var envelopes = events.Select(Envelope).ToList();
        var inboxBefore = await platform.ScalarAsync<long>("evaluation", InboxCount, cancellationToken);

        // The ledger's own pace: Evaluation is paused (SIGSTOP) while the backlog is published, so the
        // publisher and the consumer do not share the two cores, then resumed with the clock running.
        var evaluation = platform.ProcessId("evaluation");
        Log.Write($"pausing Evaluation (pid {evaluation}) and publishing every event to RabbitMQ (256 awaiting confirmation at once)");
        Signal(evaluation, "STOP");
        double publishSeconds;
        try
        {
            var publishing = Stopwatch.StartNew();
            await PublishAsync(platform.AmqpUri, envelopes, 256, cancellationToken);
            publishSeconds = publishing.Elapsed.TotalSeconds;
        }
        finally
        {
            Signal(evaluation, "CONT");
        }
        Log.Write($"published in {publishSeconds:F1} s; Evaluation resumed, taking the backlog into the ledger");
        var watch = Stopwatch.StartNew();
        await platform.WaitForAsync<long>("evaluation", InboxCount, n => n >= inboxBefore + events.Count, TimeSpan.FromMinutes(10), "Evaluation recording every event", cancellationToken);
        var ingestSeconds = watch.Elapsed.TotalSeconds;
        var lines = await platform.ScalarAsync<long>("evaluation", "SELECT count(*) FROM service_records", cancellationToken);
        var requestEvents = await platform.ScalarAsync<long>("evaluation", "SELECT count(*) FROM request_events", cancellationToken);
        Log.Write($"{events.Count} events recorded in {ingestSeconds:F1} s ({events.Count / ingestSeconds:F0}/s): {lines} ledger lines, {requestEvents} request events");

        // Directly at the service, with the token the gateway would forward.
        using var direct = platform.ServiceClient("evaluation", TimeSpan.FromMinutes(2));
        var basePath = $"/api/evaluation/counties/{CountyCode}";
        var compute = await TimeAsync(direct, $"{basePath}/rates?period={quarter.Key}&groupBy=unit", cancellationToken);
        Log.Write($"quarter compute (points, rates, star ratings, coverage): median {compute:F3} s");
        var xlsx = await TimeAsync(direct, $"{basePath}/reports/quarterly?period={quarter.Key}&format=xlsx", cancellationToken);
        Log.Write($"quarterly notice as XLSX: median {xlsx:F3} s");
        using var verification = await direct.GetAsync($"{basePath}/periods/{quarter.Key}/verification", cancellationToken);
        var verified = JsonDocument.Parse(await verification.Content.ReadAsStringAsync(cancellationToken)).RootElement;

        figures.Set("events", events.Count);
        figures.Set("ingest_events_per_s", events.Count / ingestSeconds, 0);
        figures.Set("ingest_seconds", ingestSeconds, 1);
        figures.Set("publish_events_per_s", events.Count / publishSeconds, 0);
        figures.Set("ledger_lines", lines);
        figures.Set("request_events", requestEvents);
        figures.Set("members", DemoCountyGenerator.Members);
        figures.Set("period", quarter.Key);
        figures.Set("quarter_compute_s", compute, 3);
        figures.Set("xlsx_s", xlsx, 3);
        figures.Set("verification_matches", verified.GetProperty("matches").GetBoolean());
        figures.Set("target_ingest_events_per_s", 2000);
        figures.Set("target_quarter_compute_s", 2);
    }

    /// <summary>Inbox rows of the published types only (the copies of Registry's records have their own consumers).</summary>
    private const string InboxCount = "SELECT count(*) FROM inbox_messages WHERE consumer IN ('service-record:RequestPlaced', 'service-record:RequestDispatched', " +
        "'service-record:RequestClaimed', 'service-record:RequestCompleted', 'service-record:RequestRated', 'service-record:AttendanceRecorded')";

    private sealed record QuarterSpan(string Key, DateTimeOffset From);

    private static QuarterSpan Quarter(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        var quarter = (local.Month - 1) / 3 + 1;
        var first = new DateTime(local.Year, (quarter - 1) * 3 + 1, 1);
        return new QuarterSpan($"{local.Year:D4}-Q{quarter}", new DateTimeOffset(first, Zone.GetUtcOffset(first)).ToUniversalTime());
    }

    private sealed record Resident(Guid Member, Guid? Unit, Guid Community, Guid? Grid, Guid? Street);

    /// <summary>Requests and attendances spread over the quarter so far, each request's five events with its facts as Dispatch publishes them.</summary>
    private static async Task<List<ICountyMessage>> GenerateAsync(BenchPlatform platform, int requests, int attendances, DateTimeOffset from, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var countyId = await platform.ScalarAsync<Guid>("evaluation", $"SELECT id FROM counties WHERE code = '{CountyCode}'", cancellationToken);
        var residents = new List<Resident>();
        await using (var connection = platform.Connect("evaluation"))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new Npgsql.NpgsqlCommand(
                $"SELECT m.id, m.unit_id, m.community_id, m.grid_id, c.parent_id FROM registry_members m JOIN registry_areas c ON c.id = m.community_id " +
                $"WHERE m.status = 'active' AND m.county_id = '{countyId}' ORDER BY m.code", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                residents.Add(new Resident(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                    reader.IsDBNull(4) ? null : reader.GetGuid(4)));
            }
        }
        var random = new Random(511621);
        var latest = now.AddMinutes(-5);
        var span = Math.Max(1, (latest - from).TotalSeconds - 3600);
        DateTimeOffset At(DateTimeOffset t) => t < latest ? t : latest;
        var events = new List<ICountyMessage>(requests * 5 + attendances * 2);
        for (var i = 0; i < requests; i++)
        {
            var who = residents[random.Next(residents.Count)];
            var placedAt = from.AddSeconds(random.NextDouble() * span);
            var responseDue = placedAt.AddHours(24);
            var completionDue = placedAt.AddHours(72);
            var respondedAt = At(placedAt.AddHours(1 + random.NextDouble() * 29));
            var completedAt = At(respondedAt.AddHours(1 + random.NextDouble() * 59));
            var ratedAt = At(completedAt.AddMinutes(30));
            var id = Guid.CreateVersion7(placedAt);
            RequestFacts Facts(int version, string status, DateTimeOffset? responded, DateTimeOffset? completed, bool assigned) => new(
                id, version, status, "livelihood", version >= 2 ? "ordinary" : null, false, "resident_app", who.Community, who.Grid, who.Street, placedAt,
                responseDue, version >= 2 ? completionDue : null, responded, completed, assigned ? who.Unit : null, assigned ? [who.Member] : [], 0, "none");
            var satisfaction = random.NextDouble() switch { < 0.7 => "satisfied", < 0.9 => "basically_satisfied", _ => "dissatisfied" };
            events.Add(new RequestPlaced(countyId, Facts(1, "placed", null, null, false), placedAt));
            events.Add(new RequestDispatched(countyId, Facts(2, "pooled", null, null, false), "pool", null, null, placedAt.AddMinutes(10)));
            events.Add(new RequestClaimed(countyId, Facts(3, "claimed", respondedAt, null, true), who.Member, who.Unit, false, respondedAt));
            events.Add(new RequestCompleted(countyId, Facts(4, "completed", respondedAt, completedAt, true), "已办结", completedAt <= completionDue, completedAt));
            events.Add(new RequestRated(countyId, Facts(5, "closed", respondedAt, completedAt, true), satisfaction, random.NextDouble() < 0.9, null, ratedAt));
        }
        var activities = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToArray();
        for (var i = 0; i < attendances; i++)
        {
            var who = residents[random.Next(residents.Count)];
            var inAt = from.AddSeconds(random.NextDouble() * span);
            var minutes = 60 + random.Next(120);
            var attendance = Guid.NewGuid();
            var activity = activities[random.Next(activities.Length)];
            events.Add(new AttendanceRecorded(countyId, attendance, activity, "volunteer_service", who.Community, who.Member, who.Unit, inAt, null, 0, false, AttendanceChange.CheckedIn, inAt));
            events.Add(new AttendanceRecorded(countyId, attendance, activity, "volunteer_service", who.Community, who.Member, who.Unit, inAt, At(inAt.AddMinutes(minutes)),
                minutes, false, AttendanceChange.CheckedOut, At(inAt.AddMinutes(minutes))));
        }
        return events;
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The message as MassTransit sends it: its id, its type's URNs and the message itself.</summary>
    private static (string Exchange, byte[] Body) Envelope(ICountyMessage message)
    {
        var type = message.GetType();
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["messageType"] = new JsonArray($"urn:message:{type.Namespace}:{type.Name}", $"urn:message:{typeof(ICountyMessage).Namespace}:{nameof(ICountyMessage)}"),
            ["message"] = JsonSerializer.SerializeToNode(message, type, Web),
            ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["headers"] = new JsonObject(),
        };
        return ($"{type.Namespace}:{type.Name}", JsonSerializer.SerializeToUtf8Bytes(envelope));
    }

    private static async Task PublishAsync(string amqpUri, IReadOnlyList<(string Exchange, byte[] Body)> envelopes, int inFlight, CancellationToken cancellationToken)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync(cancellationToken);
        await using var _ = connection;
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null),
            cancellationToken);
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
        using var slots = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(envelopes.Count);
        foreach (var (exchange, body) in envelopes)
        {
            await slots.WaitAsync(cancellationToken);
            pending.Add(PublishOneAsync(exchange, body));
        }
        await Task.WhenAll(pending);

        async Task PublishOneAsync(string exchange, byte[] body)
        {
            try
            {
                await channel.BasicPublishAsync(exchange, "", false, properties, body, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>One warm-up call, then the median of three.</summary>
    private static async Task<double> TimeAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        (await client.GetAsync(path, cancellationToken)).EnsureSuccessStatusCode();
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync(path, cancellationToken);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[1];
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(5000);
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;
}
