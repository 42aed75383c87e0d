using Platform.Evaluation;
using Platform.Evaluation.Counties;
using Platform.RegistryReplica;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;
using Platform.ServiceDefaults.Tenancy;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("evaluation");
builder.AddPlatformAuthentication();
builder.AddServiceDatabase<EvaluationDbContext>("evaluationdb");
builder.AddServiceMessaging<EvaluationDbContext>("evaluation", bus =>
{
    bus.AddConsumer<CountyRegisteredConsumer>();
    bus.AddRegistryReplica<EvaluationDbContext>("evaluation");
});

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCountyDirectoryApi("evaluation").RequireReadWriteScopes("evaluation");

await app.MigrateDatabaseAsync();
await app.RunAsync();
