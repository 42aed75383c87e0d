using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.IntegrationTests.Support;
using Platform.Probe;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests;

/// <summary>
/// A save that only inserts goes as one batch without a transaction of its own, and is still all or
/// nothing; a save that also updates keeps its transaction.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class InsertBatchTests(PlatformFixture fixture)
{
    private static readonly Guid County = Guid.NewGuid();

    [Fact]
    public async Task Inserts_are_saved_together_without_a_transaction_of_their_own()
    {
        var (database, services) = await ServicesAsync();
        await using var _ = services;
        await using var scope = Scope(services);
        var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
        using var transactions = new TransactionsBegun(db);

        db.Effects.AddRange(Effect("one"), Effect("two"), Effect("three"));
        await db.SaveChangesAsync();

        Assert.Equal(0, transactions.Count);
        Assert.All(db.Effects.Local, e => Assert.NotEqual(0, e.Id));
        Assert.Equal(3, await fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM effects"));
    }

    [Fact]
    public async Task When_one_insert_of_the_batch_fails_none_of_them_is_saved()
    {
        var (database, services) = await ServicesAsync();
        await using var _ = services;
        await using var scope = Scope(services);
        var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
        using var transactions = new TransactionsBegun(db);

        // The last code is longer than its column allows: PostgreSQL refuses that row alone.
        db.Effects.AddRange(Effect("one"), Effect("two"), Effect("far-too-long-for-the-column"));
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.Equal(0, transactions.Count);
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM effects"));
    }

    [Fact]
    public async Task A_save_that_also_updates_keeps_its_transaction_and_a_row_gone_meanwhile_saves_nothing()
    {
        var (database, services) = await ServicesAsync();
        await using var _ = services;
        await using var scope = Scope(services);
        var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
        var existing = Effect("existing");
        db.Effects.Add(existing);
        await db.SaveChangesAsync();
        using var transactions = new TransactionsBegun(db);

        // The row is deleted behind the context's back: its update finds nothing, which PostgreSQL
        // does not call an error; the client's rollback must undo the insert sent with it.
        Assert.Equal(1, await fixture.QueryScalarAsync<long>(database, $"WITH gone AS (DELETE FROM effects WHERE id = {existing.Id} RETURNING 1) SELECT count(*) FROM gone"));
        db.Entry(existing).Property(e => e.CountyId).IsModified = true;
        db.Effects.Add(Effect("added"));
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => db.SaveChangesAsync());

        Assert.Equal(1, transactions.Count);
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(database, "SELECT count(*) FROM effects"));
    }

    private static Effect Effect(string code) => new() { MessageId = Guid.NewGuid(), Code = code };

    private static AsyncServiceScope Scope(ServiceProvider services)
    {
        var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(County);
        return scope;
    }

    private async Task<(string Database, ServiceProvider Services)> ServicesAsync()
    {
        var database = await fixture.CreateDatabaseAsync("batches");
        await new SqlMigrator(NullLogger<SqlMigrator>.Instance)
            .MigrateAsync(database.OwnerConnectionString, SqlMigrator.Discover(typeof(ProbeDbContext).Assembly), CancellationToken.None);
        var services = Contexts.Pooled<ProbeDbContext>(database.AppConnectionString);
        return (database.Name, services);
    }

    /// <summary>Counts the transactions EF Core begins for one context, from its diagnostic events.</summary>
    private sealed class TransactionsBegun : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly DbContext context;
        private readonly IDisposable subscription;
        private readonly List<IDisposable> listeners = [];
        private int count;

        public TransactionsBegun(DbContext context)
        {
            this.context = context;
            subscription = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public int Count => Volatile.Read(ref count);

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name)
            {
                lock (listeners)
                {
                    listeners.Add(listener.Subscribe(this, name => name == RelationalEventId.TransactionStarted.Name));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Value is TransactionEndEventData data && ReferenceEquals(data.Context, context))
            {
                Interlocked.Increment(ref count);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            subscription.Dispose();
            lock (listeners)
            {
                listeners.ForEach(l => l.Dispose());
            }
        }
    }
}
