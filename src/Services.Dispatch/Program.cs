using Platform.Dispatch;
using Platform.Dispatch.Counties;
using Platform.Dispatch.Matching;
using Platform.Dispatch.Supervision;
using Platform.RegistryReplica;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("dispatch");
builder.AddServiceDatabase<DispatchDbContext>("dispatchdb");
builder.Services.Configure<SupervisionOptions>(builder.Configuration.GetSection("Supervision"));
builder.Services.AddSingleton<SupervisionScheduler>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<SupervisionScheduler>());
builder.Services.AddSingleton<MemberMatcher>();
builder.AddServiceMessaging<DispatchDbContext>("dispatch", bus =>
{
    bus.AddConsumer<CountyRegisteredConsumer>();
    bus.AddRegistryReplica<DispatchDbContext>("dispatch");
});

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapDispatchApi();

await app.MigrateDatabaseAsync();
await app.RunAsync();
