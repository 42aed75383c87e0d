using Platform.Registry;
using Platform.Registry.Members;
using Platform.Registry.Reports;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.IntegrationTests.Support;

public static class RegistrySeedReports
{
    /// <summary>Writes member reports straight into Registry's database (for tests of queries that read them).</summary>
    public static async Task ReportAsync(RunningPlatform platform, SeededCounty county, ReportStatus status, params Member[] members)
    {
        var tenant = new TenantContext();
        tenant.Set(county.CountyId);
        await using var db = Contexts.Create<RegistryDbContext>(platform.Databases["registry"].AppConnectionString, tenant);
        var now = DateTimeOffset.UtcNow;
        db.Reports.AddRange(members.Select(m => new Report
        {
            Id = Guid.CreateVersion7(), Kind = ReportKind.Member, MemberId = m.Id, UnitId = m.UnitId, CommunityId = m.CommunityId, GridId = m.GridId,
            Status = status, SubmittedAt = now, ConfirmedAt = status == ReportStatus.Confirmed ? now : null,
        }));
        await db.SaveChangesAsync();
    }
}
