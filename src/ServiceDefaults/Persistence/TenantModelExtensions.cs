using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.ServiceDefaults.Persistence;

public static class TenantModelExtensions
{
    /// <summary>
    /// The rows of this tenant-scoped entity are only ever read through the record that owns them
    /// (e.g. a request's history lines through the request), so it gets no index of the county alone.
    /// </summary>
    public static EntityTypeBuilder<TEntity> IsReadThroughOwner<TEntity>(this EntityTypeBuilder<TEntity> entity) where TEntity : class =>
        entity.HasAnnotation(ServiceDbContext.ReadThroughOwnerAnnotation, true);
}
