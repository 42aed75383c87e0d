using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Dispatch;
using Platform.Dispatch.Requests;
using Platform.IntegrationTests.Support;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Telemetry;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests;

/// <summary>
/// The group commit against PostgreSQL: saves of concurrent scopes share transactions, each save is
/// still all or nothing with the outcome it would have had alone, and every row keeps its county.
/// A lock held on the requests table keeps the writer's first group waiting while the others
/// gather, so which saves share a group does not depend on the machine's speed.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class GroupCommitTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Saves_made_together_share_transactions_and_all_land_with_their_county()
    {
        var platform = await fixture.PlatformAsync();
        await using var writer = await WriterAsync(platform);
        var (countyA, countyB) = (Guid.NewGuid(), Guid.NewGuid());

        // 24 placings, alternately of two counties, each a request and its history line.
        var placed = new List<ServiceRequest>();
        var saves = await writer.WhileHeldAsync(() =>
        {
            var tasks = new List<Task>();
            for (var i = 0; i < 24; i++)
            {
                var county = i % 2 == 0 ? countyA : countyB;
                var request = NewRequest(county, $"楼道灯坏了 {i}");
                placed.Add(request);
                tasks.Add(writer.SaveAsync(county, db =>
                {
                    db.Requests.Add(request);
                    db.RequestHistory.Add(NewHistory(request, 100));
                }));
            }
            return tasks;
        });
        await Task.WhenAll(saves);
        // The same request saved alone, by EF Core's own save.
        var model = placed[0];
        var twin = NewRequest(countyA, model.Description, model.PlacedAt, model.CommunityId);
        await using (var alone = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, Tenant(countyA)))
        {
            alone.Requests.Add(twin);
            await alone.SaveChangesAsync();
        }

        // The first save's group, then one for all 24.
        Assert.Equal((2, 25, 0), (writer.Group.Groups, writer.Group.GroupedSaves, writer.Group.HandedBack));
        foreach (var county in new[] { countyA, countyB })
        {
            await using var db = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, Tenant(county));
            var rows = await db.Requests.AsNoTracking().Where(r => r.Id != twin.Id).ToListAsync();
            Assert.Equal(placed.Where(r => r.CountyId == county).Select(r => r.Id).Order(), rows.Select(r => r.Id).Order());
            Assert.All(rows, r => Assert.Equal(1, r.Version));
            Assert.Equal(12, await db.RequestHistory.CountAsync());
        }
        // What the group wrote reads back as what EF Core writes: every column (timestamps cut to microseconds, text arrays with quotes and backslashes).
        await using (var check = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, Tenant(countyA)))
        {
            var grouped = await check.Requests.AsNoTracking().SingleAsync(r => r.Id == model.Id);
            var single = await check.Requests.AsNoTracking().SingleAsync(r => r.Id == twin.Id);
            static JsonObject Columns(ServiceRequest r)
            {
                var json = JsonSerializer.SerializeToNode(r)!.AsObject();
                json.Remove(nameof(ServiceRequest.Id));
                return json;
            }
            Assert.Equal(Columns(single).ToJsonString(), Columns(grouped).ToJsonString());
            Assert.Equal(["水电维修", "a\"b\\c"], grouped.Skills);
            Assert.NotEqual(model.PlacedAt, grouped.PlacedAt);
            Assert.Equal(model.PlacedAt.Ticks / 10, grouped.PlacedAt.Ticks / 10);
        }
    }

    [Fact]
    public async Task Two_changes_of_one_request_in_a_group_let_exactly_one_win()
    {
        var platform = await fixture.PlatformAsync();
        await using var writer = await WriterAsync(platform);
        var county = Guid.NewGuid();
        var request = NewRequest(county, "噪音扰民");
        await writer.SaveAsync(county, db => db.Requests.Add(request));

        var saves = await writer.WhileHeldAsync(() =>
        [
            writer.SaveAsync(county, async db => (await db.Requests.SingleAsync(r => r.Id == request.Id)).Status = RequestStatus.Pooled),
            writer.SaveAsync(county, async db => (await db.Requests.SingleAsync(r => r.Id == request.Id)).Status = RequestStatus.Cancelled),
        ]);
        var outcomes = await Task.WhenAll(saves.Select(async s =>
        {
            try
            {
                await s;
                return "saved";
            }
            catch (DbUpdateConcurrencyException)
            {
                return "raced";
            }
        }));

        Assert.Equal(["raced", "saved"], outcomes.Order());
        // Their group found one row changed where it expected two, and handed both back to be saved alone.
        Assert.Equal(2, writer.Group.HandedBack);
        await using var check = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, Tenant(county));
        var saved = await check.Requests.AsNoTracking().SingleAsync(r => r.Id == request.Id);
        Assert.Equal(2, saved.Version);
        Assert.Contains(saved.Status, new[] { RequestStatus.Pooled, RequestStatus.Cancelled });
    }

    [Fact]
    public async Task A_save_the_database_refuses_fails_alone_and_the_rest_of_its_group_lands()
    {
        var platform = await fixture.PlatformAsync();
        await using var writer = await WriterAsync(platform);
        var county = Guid.NewGuid();
        var good = Enumerable.Range(0, 5).Select(i => NewRequest(county, $"路灯不亮 {i}")).ToList();
        var bad = NewRequest(county, "过长的分类");
        bad.Category = new string('x', 40); // the column takes 32: PostgreSQL refuses it, the group must not cut it

        var saves = await writer.WhileHeldAsync(() =>
            [.. good.Select(r => writer.SaveAsync(county, db => db.Requests.Add(r))), writer.SaveAsync(county, db => db.Requests.Add(bad))]);

        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => saves[^1]);
        Assert.Equal(PostgresErrorCodes.StringDataRightTruncation, Assert.IsType<PostgresException>(failure.InnerException).SqlState);
        await Task.WhenAll(saves.Take(5));
        Assert.Equal(6, writer.Group.HandedBack);
        await using var check = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, Tenant(county));
        Assert.Equal(good.Select(r => r.Id).Order(), (await check.Requests.Select(r => r.Id).ToListAsync()).Order());
    }

    [Fact]
    public async Task Inside_an_explicit_transaction_a_save_is_its_own()
    {
        var platform = await fixture.PlatformAsync();
        await using var writer = await WriterAsync(platform);
        var county = Guid.NewGuid();
        var request = NewRequest(county, "垃圾清运");
        await writer.SaveAsync(county, async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Requests.Add(request);
            await db.SaveChangesGroupedAsync(CancellationToken.None);
            await transaction.RollbackAsync();
        }, save: false);

        Assert.Equal((0, 0), (writer.Group.GroupedSaves, writer.Group.HandedBack));
        await using var check = Contexts.Create<DispatchDbContext>(platform.Databases["dispatch"].AppConnectionString, Tenant(county));
        Assert.False(await check.Requests.AnyAsync(r => r.Id == request.Id));
    }

    [Fact]
    public async Task Each_save_and_its_group_are_traced_and_linked_both_ways()
    {
        var platform = await fixture.PlatformAsync();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is PlatformTelemetry.SourceName or "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var writer = await WriterAsync(platform);
        var county = Guid.NewGuid();
        var requests = new ConcurrentDictionary<Guid, ActivityContext>();

        // Three placings, each in a trace of its own (as each HTTP request is), saved in one group.
        async Task PlaceAsync(ServiceRequest request)
        {
            using var placing = new Activity("POST /requests").Start();
            requests[request.Id] = placing.Context;
            await writer.SaveAsync(county, db => db.Requests.Add(request));
        }
        var placed = Enumerable.Range(0, 3).Select(i => NewRequest(county, $"井盖缺失 {i}")).ToList();
        await Task.WhenAll(await writer.WhileHeldAsync(() => [.. placed.Select(PlaceAsync)]));

        // The group answers its saves before its own span stops: wait for that span before reading them all.
        var spans = await Poll.UntilAsync(() => Task.FromResult(stopped.ToList()),
            s => s.Any(a => a.OperationName == "group commit" && a.Links.Count() >= 3), TimeSpan.FromSeconds(10), "the group's span to stop");
        var saves = spans.Where(a => a.OperationName == "group commit save" && requests.Values.Any(r => r.TraceId == a.TraceId)).ToList();
        Assert.Equal(3, saves.Count);
        // Each save's span is a child of its placing's.
        Assert.All(saves, save => Assert.Contains(requests.Values, r => r.TraceId == save.TraceId && r.SpanId == save.ParentSpanId));
        // One group served the three; its span starts a trace of its own and links to each save's span.
        var group = Assert.Single(spans, a => a.OperationName == "group commit" && saves.All(s => a.Links.Any(l => l.Context.SpanId == s.SpanId)));
        Assert.Equal(default, group.ParentSpanId);
        Assert.DoesNotContain(requests.Values, r => r.TraceId == group.TraceId);
        Assert.Equal(3, group.GetTagItem("platform.group_commit.saves"));
        Assert.Equal(ActivityStatusCode.Unset, group.Status);
        // And each save links back to the group, naming its trace for the dashboard, which shows tags.
        Assert.All(saves, save =>
        {
            Assert.Equal(group.SpanId, Assert.Single(save.Links).Context.SpanId);
            Assert.Equal(group.TraceId.ToHexString(), save.GetTagItem("platform.group_commit.trace_id"));
            Assert.Null(save.GetTagItem("platform.group_commit.handed_back"));
        });
        // The group's SQL is in the group's trace: Npgsql's span of the batch is its child.
        Assert.Contains(spans, a => a.Source.Name == "Npgsql" && a.TraceId == group.TraceId && a.ParentSpanId == group.SpanId);
    }

    private static async Task<Writer> WriterAsync(RunningPlatform platform)
    {
        var connectionString = platform.Databases["dispatch"].AppConnectionString;
        // As a service registers it, with one writer (the default) whatever the settings: which saves share a group is then known.
        var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddScoped<TenantContext>()
            .AddScoped<ITenantContext>(provider => provider.GetRequiredService<TenantContext>())
            .AddServiceDbContext<DispatchDbContext>(connectionString)
            .Configure<GroupCommitOptions>(options => options.Writers = 1)
            .BuildServiceProvider();
        var group = services.GetRequiredService<GroupCommit>();
        await group.StartAsync(CancellationToken.None);
        // The writer starts on a thread of its own: until it runs, saves go alone.
        await Poll.UntilAsync(() => Task.FromResult(group.Enabled), on => on, TimeSpan.FromSeconds(20), "the writer to start");
        return new Writer(services, group, platform.Databases["dispatch"].OwnerConnectionString);
    }

    private sealed class Writer(ServiceProvider services, GroupCommit group, string ownerConnectionString) : IAsyncDisposable
    {
        public GroupCommit Group => group;

        /// <summary>Changes made and saved (grouped where the group takes them) in a scope of its own, acting for the county.</summary>
        public async Task SaveAsync(Guid county, Func<DispatchDbContext, Task> change, bool save = true)
        {
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(county);
            var db = scope.ServiceProvider.GetRequiredService<DispatchDbContext>();
            await change(db);
            if (save)
            {
                await db.SaveChangesGroupedAsync(CancellationToken.None);
            }
        }

        public Task SaveAsync(Guid county, Action<DispatchDbContext> change) => SaveAsync(county, db =>
        {
            change(db);
            return Task.CompletedTask;
        });

        /// <summary>
        /// Starts the saves while the writer is held: another session holds the requests table, and a
        /// save of its own, sent first, waits on it with the writer. Lets go once all of the saves are
        /// waiting behind it, so that they make one group.
        /// </summary>
        public async Task<List<Task>> WhileHeldAsync(Func<List<Task>> start)
        {
            await using var connection = new NpgsqlConnection(ownerConnectionString);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            // Reads go on (ACCESS SHARE); writes wait (ROW EXCLUSIVE conflicts with EXCLUSIVE).
            await new NpgsqlCommand("LOCK TABLE requests IN EXCLUSIVE MODE", connection, transaction).ExecuteNonQueryAsync();
            var county = Guid.NewGuid();
            var first = SaveAsync(county, db => db.Requests.Add(NewRequest(county, "先到的一单")));
            await Poll.UntilAsync(() => Task.FromResult((group.Committing, group.Waiting)), s => s == (1, 0), TimeSpan.FromSeconds(20), "the writer to take the first save");
            var saves = start();
            await Poll.UntilAsync(() => Task.FromResult(group.Waiting), n => n == saves.Count, TimeSpan.FromSeconds(20), $"{saves.Count} saves to wait for the writer");
            await transaction.RollbackAsync();
            await first;
            return saves;
        }

        public async ValueTask DisposeAsync()
        {
            await group.StopAsync(CancellationToken.None);
            await services.DisposeAsync();
        }
    }

    private static TenantContext Tenant(Guid county)
    {
        var tenant = new TenantContext();
        tenant.Set(county);
        return tenant;
    }

    /// <summary>A request as a placing makes it; placed at a moment with a tenth of a microsecond (which PostgreSQL does not keep).</summary>
    private static ServiceRequest NewRequest(Guid county, string description, DateTimeOffset? at = null, Guid? community = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        if (at is null)
        {
            now = now.AddTicks(7 - now.Ticks % 10);
        }
        return new ServiceRequest
        {
            Id = Guid.CreateVersion7(), CountyId = county, Category = "livelihood", Description = description, Skills = ["水电维修", "a\"b\\c"],
            CommunityId = community ?? Guid.NewGuid(), Address = "某小区3栋", Latitude = 30.123456789, Longitude = 106.1, ResidentName = "张三", ResidentPhone = "13800000000",
            Channel = "hotline", Attachments = ["https://files.example.cn/a.jpg"], PlacedAt = now, ResponseDueAt = now.AddHours(24),
        };
    }

    private static RequestHistoryEntry NewHistory(ServiceRequest request, int sequence) => new()
    {
        Id = Guid.CreateVersion7(), CountyId = request.CountyId, RequestId = request.Id, Sequence = sequence, At = request.PlacedAt, Action = "place",
        FromStatus = RequestStatus.Placed, ToStatus = RequestStatus.Placed, ActorRole = "operator", Channel = request.Channel, Evidence = [],
    };
}
