using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Messaging.Inbox;
using Platform.ServiceDefaults.Messaging.Outbox;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Base of every service's DbContext: the county directory, the outbox and the inbox live in each
/// service's own database; tenant-scoped entities get the county query filter; names are snake_case
/// to match the SQL migrations.
/// </summary>
public abstract class ServiceDbContext : DbContext
{
    private ITenantContext tenant = new TenantContext();
    private TimeProvider clock = TimeProvider.System;
    private GroupCommit? groupCommit;

    /// <summary>
    /// Contexts are pooled: one instance serves scope after scope, and <see cref="Bind"/> gives it
    /// each scope's county and clock as it is handed out. Until then it acts for no county.
    /// </summary>
    protected ServiceDbContext(DbContextOptions options) : base(options)
    {
    }

    /// <summary>
    /// Makes this context the scope's: its county (query filters, stamping, row-level security)
    /// and its clock. Nothing of the previous scope survives: the pool has already cleared what
    /// it tracked, and the connection is closed here if the last scope left it open.
    /// </summary>
    public void Bind(ITenantContext scopeTenant, TimeProvider scopeClock, GroupCommit? scopeGroupCommit = null)
    {
        // A connection the last scope opened itself and left open would still say the last
        // scope's county to PostgreSQL: the next query must open one and say this scope's.
        var connection = Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Closed)
        {
            connection.Close();
        }
        tenant = scopeTenant;
        clock = scopeClock;
        groupCommit = scopeGroupCommit;
        HasUnsignalledOutboxMessages = false;
        TenantSession = default;
        // Exactly one subscription, whatever the pool does with handlers between scopes.
        ChangeTracker.Tracked -= TakeCounty;
        ChangeTracker.Tracked += TakeCounty;
    }

    /// <summary>The county this context acts for (null: none, and tenant-scoped tables read as empty).</summary>
    internal Guid? TenantCountyId => tenant.CountyId;

    /// <summary>Which open connection PostgreSQL was told this context's county on, and which county (see <see cref="TenantDbInterceptor"/>).</summary>
    internal (System.Data.Common.DbConnection? Connection, Guid? County) TenantSession { get; set; }

    /// <summary>
    /// A new row takes the scope's county the moment it is added, so an event built from it before
    /// the save (db.Advance, then db.Outbox.Publish) already names its county.
    /// </summary>
    private void TakeCounty(object? sender, Microsoft.EntityFrameworkCore.ChangeTracking.EntityTrackedEventArgs e)
    {
        if (e.Entry.State == EntityState.Added && e.Entry.Entity is ITenantScoped { CountyId: var county } scoped && county == Guid.Empty
            && tenant.CountyId is { } current)
        {
            scoped.CountyId = current;
        }
    }

    public DbSet<County> Counties => Set<County>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();

    /// <summary>Publishes events through the outbox: they leave only if the transaction commits.</summary>
    public OutboxWriter Outbox => new(this, clock);

    /// <summary>
    /// The county the query filters compare with. EF reads it per query; with no county it is the
    /// empty id, which matches no row (fail closed).
    /// </summary>
    protected Guid CurrentCountyId => TenantCountyId ?? Guid.Empty;

    /// <summary>Whether outbox rows were added since the relay was last woken (see <see cref="OutboxCommitInterceptor"/>).</summary>
    internal bool HasUnsignalledOutboxMessages { get; set; }

    protected sealed override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ConfigurePlatformModel(modelBuilder);
        ConfigureModel(modelBuilder);
        ApplyTenantFilters(modelBuilder);
        ApplyConcurrencyTokens(modelBuilder);
        ApplySnakeCaseNames(modelBuilder);
    }

    /// <summary>The service's own entities.</summary>
    protected abstract void ConfigureModel(ModelBuilder modelBuilder);

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        try
        {
            Stamp();
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default) =>
        StampedAsync(() => base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken));

    /// <summary>Stamps the changes (<see cref="Stamp"/>), then saves them; change detection is put back as it was.</summary>
    private async Task<T> StampedAsync<T>(Func<Task<T>> save)
    {
        var autoDetect = ChangeTracker.AutoDetectChangesEnabled;
        try
        {
            Stamp();
            return await save();
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>
    /// Saves the changes as <see cref="SaveChangesAsync(bool, CancellationToken)"/> does, in a transaction
    /// shared with other scopes' saves when the group commit takes them (<see cref="GroupCommit"/>):
    /// for the hot paths, whose saves are a few rows each. Inside an explicit transaction, or for
    /// changes the group does not take, it is that save.
    /// </summary>
    public async Task SaveChangesGroupedAsync(CancellationToken cancellationToken)
    {
        if (groupCommit is { Enabled: true } group && Database.CurrentTransaction is null)
        {
            if (await StampedAsync(() => group.TrySaveAsync(this, HasUnsignalledOutboxMessages)))
            {
                // The relay was woken with the group. Rows whose key the database made (identity
                // columns) are not read back: nothing uses them after the save, and they leave the
                // tracker, so that the rest can be accepted as saved.
                HasUnsignalledOutboxMessages = false;
                foreach (var entry in ChangeTracker.Entries().Where(e => e.State == EntityState.Added && e.Properties.Any(p => p.IsTemporary)).ToList())
                {
                    entry.State = EntityState.Detached;
                }
                ChangeTracker.AcceptAllChanges();
                return;
            }
        }
        await SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// One pass over what is about to be saved (changes detected once, not once per concern): tenant
    /// rows take or are checked against the county, versioned rows get their version, and new outbox
    /// rows are noted for the relay's wake-up (see <see cref="OutboxCommitInterceptor"/>). Detection
    /// is left off, so saving does not look at every entity again (the stamps went through the change
    /// tracker); the caller turns it back to what it was.
    /// </summary>
    private void Stamp()
    {
        ChangeTracker.DetectChanges();
        ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }
            if (entry.Entity is ITenantScoped scoped)
            {
                StampTenant(entry, scoped);
            }
            if (entry.Entity is IVersioned versioned)
            {
                StampVersion(entry, versioned);
            }
            if (entry.Entity is OutboxMessage && entry.State == EntityState.Added)
            {
                HasUnsignalledOutboxMessages = true;
            }
        }
    }

    /// <summary>New tenant rows take the current county; a row for another county is refused before it reaches the database.</summary>
    private void StampTenant(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry entry, ITenantScoped scoped)
    {
        var current = tenant.CountyId
            ?? throw new InvalidOperationException($"{entry.Metadata.ClrType.Name} is tenant-scoped but no county is set for this scope.");
        if (scoped.CountyId == Guid.Empty)
        {
            entry.Property(nameof(ITenantScoped.CountyId)).CurrentValue = current;
        }
        else if (scoped.CountyId != current)
        {
            throw new InvalidOperationException($"{entry.Metadata.ClrType.Name} belongs to county {scoped.CountyId}, not {current}.");
        }
    }

    /// <summary>
    /// Makes this scope act for a county it was not bound to by its route or message (e.g. the county
    /// being registered, writing its first rows): sets the tenant and, if the connection is already
    /// open (a transaction began before), tells PostgreSQL at once so row-level security admits the rows.
    /// </summary>
    public async Task ActForCountyAsync(County county, CancellationToken cancellationToken)
    {
        if (tenant is not TenantContext context)
        {
            throw new InvalidOperationException("This scope's tenant cannot be set.");
        }
        context.Set(county);
        var connection = Database.GetDbConnection();
        if (connection.State == System.Data.ConnectionState.Open)
        {
            await TenantDbInterceptor.For(this).TellAsync(this, connection, Database.CurrentTransaction?.GetDbTransaction(), cancellationToken);
        }
    }

    /// <summary>
    /// Marks a versioned record changed when only its dependents changed (e.g. a team's members), so
    /// its version goes up and a concurrent change of the same record is detected.
    /// </summary>
    /// <summary>
    /// A transaction for a change that must hold its locks or writes together: none when one is open
    /// already (a request's <c>Idempotency-Key</c> runs in its own), else one begun here, which the
    /// caller commits (disposing it uncommitted rolls it back).
    /// </summary>
    public async Task<IDbContextTransaction?> BeginUnlessInTransactionAsync(CancellationToken cancellationToken) =>
        Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(cancellationToken) : null;

    public void Touch(IVersioned record) => Entry(record).Property(nameof(IVersioned.Version)).IsModified = true;

    /// <summary>
    /// Gives the record now the version its change will have once saved (1 when new, else one more than
    /// when read), so an event built before the save carries it. Saving keeps it (it is idempotent).
    /// </summary>
    public int Advance(IVersioned record)
    {
        var entry = Entry(record);
        if (entry.State is EntityState.Added or EntityState.Detached)
        {
            if (record.Version == 0)
            {
                record.Version = 1;
            }
        }
        else
        {
            record.Version = (int)entry.Property(nameof(IVersioned.Version)).OriginalValue! + 1;
        }
        return record.Version;
    }

    /// <summary>New versioned rows start at 1; a changed one goes up by one (the original value stays the concurrency check).</summary>
    private static void StampVersion(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry entry, IVersioned versioned)
    {
        var version = entry.Property(nameof(IVersioned.Version));
        if (entry.State == EntityState.Added && versioned.Version == 0)
        {
            version.CurrentValue = 1;
        }
        else if (entry.State == EntityState.Modified)
        {
            version.CurrentValue = (int)version.OriginalValue! + 1;
        }
    }

    private static void ConfigurePlatformModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<County>(county =>
        {
            county.ToTable("counties");
            county.HasKey(c => c.Id);
            county.Property(c => c.Id).ValueGeneratedNever();
            county.Property(c => c.Code).HasMaxLength(12);
            county.HasIndex(c => c.Code).IsUnique().HasDatabaseName("ux_counties_code");
            county.Property(c => c.Name).HasMaxLength(100);
            county.Property(c => c.TimeZone).HasMaxLength(64);
        });

        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox_messages");
            outbox.HasKey(m => m.Id);
            outbox.Property(m => m.Id).UseIdentityAlwaysColumn();
            outbox.HasIndex(m => m.MessageId).IsUnique().HasDatabaseName("ux_outbox_messages_message_id");
            outbox.Property(m => m.MessageType).HasMaxLength(256);
            outbox.Property(m => m.Body).HasColumnType("jsonb");
            outbox.Property(m => m.TraceParent).HasMaxLength(55);
            outbox.HasIndex(m => new { m.NextAttemptAt, m.Id }).HasDatabaseName("ix_outbox_messages_due");
        });

        modelBuilder.Entity<IdempotencyRecord>(record =>
        {
            record.ToTable("idempotency_records");
            record.HasKey(r => new { r.Scope, r.Key });
            record.Property(r => r.Scope).HasMaxLength(100);
            record.Property(r => r.Key).HasMaxLength(200);
            record.Property(r => r.RequestHash).HasMaxLength(64);
            record.Property(r => r.ContentType).HasMaxLength(200);
            record.Property(r => r.Location).HasMaxLength(2000);
            record.Property(r => r.ETag).HasMaxLength(100).HasColumnName("etag");
            record.HasIndex(r => r.ExpiresAt).HasDatabaseName("ix_idempotency_records_expires_at");
        });

        modelBuilder.Entity<InboxMessage>(inbox =>
        {
            inbox.ToTable("inbox_messages");
            inbox.HasKey(m => new { m.MessageId, m.Consumer });
            inbox.Property(m => m.Consumer).HasMaxLength(256);
            inbox.HasIndex(m => m.ReceivedAt).HasDatabaseName("ix_inbox_messages_received_at");
        });
    }

    internal const string ReadThroughOwnerAnnotation = "Platform:ReadThroughOwner";

    private void ApplyTenantFilters(ModelBuilder modelBuilder)
    {
        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            if (!typeof(ITenantScoped).IsAssignableFrom(entityType.ClrType) || entityType.BaseType is not null)
            {
                continue;
            }
            // e => e.CountyId == this.CurrentCountyId, evaluated per query.
            var entity = Expression.Parameter(entityType.ClrType, "e");
            var filter = Expression.Lambda(
                Expression.Equal(
                    Expression.Property(entity, nameof(ITenantScoped.CountyId)),
                    Expression.Property(Expression.Constant(this), nameof(CurrentCountyId))),
                entity);
            modelBuilder.Entity(entityType.ClrType).HasQueryFilter(filter);
            // County-wide reads get an index, unless one the entity declares already starts with the
            // county or the entity is only ever read through its owner (every row written keeps
            // each index up to date, so an index nothing reads is only cost).
            var countyLed = entityType.GetIndexes().Any(i => i.Properties[0].Name == nameof(ITenantScoped.CountyId));
            if (!countyLed && entityType.FindAnnotation(ReadThroughOwnerAnnotation) is null)
            {
                modelBuilder.Entity(entityType.ClrType).HasIndex(nameof(ITenantScoped.CountyId));
            }
        }
    }

    private static void ApplyConcurrencyTokens(ModelBuilder modelBuilder)
    {
        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            if (typeof(IVersioned).IsAssignableFrom(entityType.ClrType) && entityType.BaseType is null)
            {
                modelBuilder.Entity(entityType.ClrType).Property(nameof(IVersioned.Version)).IsConcurrencyToken();
            }
        }
    }

    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            var table = entityType.GetTableName();
            if (table is not null)
            {
                entityType.SetTableName(ToSnakeCase(table));
            }
            var storeObject = StoreObjectIdentifier.Table(entityType.GetTableName()!, entityType.GetSchema());
            foreach (var property in entityType.GetProperties())
            {
                var column = property.GetColumnName(storeObject);
                if (column is not null && column == property.Name)
                {
                    property.SetColumnName(ToSnakeCase(column));
                }
            }
            foreach (var key in entityType.GetKeys())
            {
                key.SetName(ToSnakeCase(key.GetName() ?? key.GetDefaultName()!));
            }
            foreach (var foreignKey in entityType.GetForeignKeys())
            {
                foreignKey.SetConstraintName(ToSnakeCase(foreignKey.GetConstraintName() ?? foreignKey.GetDefaultName()!));
            }
            foreach (var index in entityType.GetIndexes())
            {
                index.SetDatabaseName(ToSnakeCase(index.GetDatabaseName() ?? index.GetDefaultDatabaseName()!));
            }
        }
    }

    /// <summary>"OutboxMessages" → "outbox_messages"; "PK_counties" → "pk_counties".</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var startsWord = i > 0 && name[i - 1] != '_' &&
                    (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])));
                if (startsWord)
                {
                    builder.Append('_');
                }
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
