using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Dispatch.Activities;

/// <summary>open (collecting demands, claims at the joint meeting) → closed.</summary>
public enum MonthlyListStatus
{
    Open,
    Closed,
}

/// <summary>unclaimed (demand only) → planned (claimed: on the service list) → in_progress → done; removed while unclaimed.</summary>
public enum MonthlyListItemStatus
{
    Unclaimed,
    Planned,
    InProgress,
    Done,
    Removed,
}

public enum MonthlyListItemSource
{
    /// <summary>From a resident's request; its id is kept.</summary>
    Request,

    Manual,
}

/// <summary>A community's list for a month: the demand list (需求清单) whose claimed items are the service list (服务清单).</summary>
public sealed class MonthlyList : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid CommunityId { get; init; }

    /// <summary>The month's first day.</summary>
    public DateOnly Month { get; init; }

    public MonthlyListStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ClosedAt { get; set; }

    public int Version { get; set; }
}

/// <summary>One demand of a monthly list; once a unit claims it, an item of the service list with its progress.</summary>
public sealed class MonthlyListItem : ITenantScoped, IVersioned
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid ListId { get; init; }

    public required string Title { get; init; }

    public string? Description { get; init; }

    /// <summary>Free text, e.g. 环境整治, 助老服务, 政策宣传.</summary>
    public required string Category { get; init; }

    public MonthlyListItemSource Source { get; init; }

    /// <summary>The resident's request the demand came from (source request only): one of the list's community, open when added, once per list.</summary>
    public Guid? RequestId { get; init; }

    public MonthlyListItemStatus Status { get; set; }

    /// <summary>The unit that claimed it at the joint meeting.</summary>
    public Guid? UnitId { get; set; }

    public DateTimeOffset AddedAt { get; init; }

    public DateTimeOffset? ClaimedAt { get; set; }

    public DateTimeOffset? DoneAt { get; set; }

    public DateTimeOffset? RemovedAt { get; set; }

    public int Version { get; set; }
}

/// <summary>One step of an item's progress (planned, in_progress, done) with its note.</summary>
public sealed class MonthlyListProgress : ITenantScoped
{
    public Guid Id { get; init; }

    public Guid CountyId { get; set; }

    public Guid ItemId { get; init; }

    public MonthlyListItemStatus Status { get; init; }

    public string? Note { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

internal sealed class MonthlyListConfiguration :
    IEntityTypeConfiguration<MonthlyList>, IEntityTypeConfiguration<MonthlyListItem>, IEntityTypeConfiguration<MonthlyListProgress>
{
    public void Configure(EntityTypeBuilder<MonthlyList> list)
    {
        list.ToTable("monthly_lists");
        list.HasKey(l => l.Id);
        list.Property(l => l.Id).ValueGeneratedNever();
        list.Property(l => l.Status).HasConversion(Wire.Converter<MonthlyListStatus>()).HasMaxLength(16);
        list.HasIndex(l => new { l.CommunityId, l.Month }).IsUnique().HasDatabaseName("ux_monthly_lists_community_month");
    }

    public void Configure(EntityTypeBuilder<MonthlyListItem> item)
    {
        item.ToTable("monthly_list_items");
        item.HasKey(i => i.Id);
        item.Property(i => i.Id).ValueGeneratedNever();
        item.Property(i => i.Title).HasMaxLength(100);
        item.Property(i => i.Description).HasMaxLength(2000);
        item.Property(i => i.Category).HasMaxLength(50);
        item.Property(i => i.Source).HasConversion(Wire.Converter<MonthlyListItemSource>()).HasMaxLength(16);
        item.Property(i => i.Status).HasConversion(Wire.Converter<MonthlyListItemStatus>()).HasMaxLength(16);
        item.HasIndex(i => i.ListId);
        item.HasIndex(i => i.UnitId);
        item.HasOne<MonthlyList>().WithMany().HasForeignKey(i => i.ListId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<MonthlyListProgress> progress)
    {
        progress.ToTable("monthly_list_progress");
        progress.HasKey(p => p.Id);
        progress.Property(p => p.Id).ValueGeneratedNever();
        progress.Property(p => p.Status).HasConversion(Wire.Converter<MonthlyListItemStatus>()).HasMaxLength(16);
        progress.Property(p => p.Note).HasMaxLength(1000);
        progress.HasIndex(p => p.ItemId);
        progress.HasOne<MonthlyListItem>().WithMany().HasForeignKey(p => p.ItemId).OnDelete(DeleteBehavior.Cascade);
    }
}
