using Platform.Registry;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("registry");
builder.AddPlatformAuthentication();
builder.AddServiceDatabase<RegistryDbContext>("registrydb");
builder.AddServiceMessaging<RegistryDbContext>("registry");

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapRegistryApi();

await app.MigrateDatabaseAsync();
await app.RunAsync();
