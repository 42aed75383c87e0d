using Platform.Evaluation;
using Platform.Evaluation.Counties;
using Platform.Evaluation.Records;
using Platform.RegistryReplica;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("evaluation");
builder.AddPlatformAuthentication();
builder.AddServiceDatabase<EvaluationDbContext>("evaluationdb");
builder.AddServiceMessaging<EvaluationDbContext>("evaluation", bus =>
{
    bus.AddConsumer<CountyRegisteredConsumer>();
    bus.AddRegistryReplica<EvaluationDbContext>("evaluation");
    bus.AddServiceRecord(builder.Configuration.GetValue(ServiceRecordRegistration.BatchTimeLimitKey, ServiceRecordRegistration.DefaultBatchTimeLimit));
});

builder.Services.Configure<ParkedEntriesOptions>(builder.Configuration.GetSection(ParkedEntriesOptions.Section));
builder.Services.AddHostedService<ParkedEntriesRetry>();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEvaluationApi();

await app.MigrateDatabaseAsync();
await app.RunAsync();
