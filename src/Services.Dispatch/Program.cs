using Platform.Dispatch;
using Platform.Dispatch.Activities;
using Platform.Dispatch.Counties;
using Platform.Dispatch.Requests;
using Platform.RegistryReplica;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("dispatch");
builder.AddPlatformAuthentication();
builder.AddServiceDatabase<DispatchDbContext>("dispatchdb");
builder.AddRequests();
builder.AddActivities();
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
