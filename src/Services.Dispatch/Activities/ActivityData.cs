using Microsoft.EntityFrameworkCore;
using Platform.RegistryReplica;

namespace Platform.Dispatch.Activities;

/// <summary>The tables of activities, attendance and monthly lists, and the replicas they read, on Dispatch's context.</summary>
public static class ActivityData
{
    extension(DispatchDbContext db)
    {
        public DbSet<Activity> Activities => db.Set<Activity>();

        public DbSet<ActivitySignUp> ActivitySignUps => db.Set<ActivitySignUp>();

        public DbSet<Attendance> Attendances => db.Set<Attendance>();

        public DbSet<MonthlyList> MonthlyLists => db.Set<MonthlyList>();

        public DbSet<MonthlyListItem> MonthlyListItems => db.Set<MonthlyListItem>();

        public DbSet<MonthlyListProgress> MonthlyListProgress => db.Set<MonthlyListProgress>();

        public DbSet<ReplicaMember> ReplicaMembers => db.Set<ReplicaMember>();

        public DbSet<ReplicaArea> ReplicaAreas => db.Set<ReplicaArea>();

        public DbSet<ReplicaOrganisation> ReplicaOrganisations => db.Set<ReplicaOrganisation>();

        public DbSet<ReplicaPairing> ReplicaPairings => db.Set<ReplicaPairing>();

        public DbSet<ReplicaReport> ReplicaReports => db.Set<ReplicaReport>();
    }
}
