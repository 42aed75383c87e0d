using Platform.Gateway;
using Platform.Gateway.Access;
using Platform.Gateway.Clients;
using Platform.Gateway.Counties;
using Platform.Gateway.Open311;
using Platform.Gateway.Webhooks;
using Platform.Gateway.Dashboard;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Messaging;
using Platform.ServiceDefaults.Persistence;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddServiceDatabase<GatewayDbContext>("gatewaydb");
builder.AddServiceMessaging<GatewayDbContext>("gateway", bus =>
{
    bus.AddConsumer<CountyDirectoryConsumer>();
    bus.AddWebhookConsumers();
});
builder.AddGatewayAccess();
builder.AddWebhooks();
builder.Services.AddOpen311(builder.Configuration);
builder.AddServiceProxy();
builder.AddPlatformApiDocument();
builder.AddDashboard();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDeclaredBodySizeLimit();
app.MapPlatformApiDocument();
app.MapDashboard();
app.MapClientsApi();
app.MapWebhooksApi();
app.MapOpen311Api();
// The services apply Idempotency-Key themselves, per county and calling client.
app.MapReverseProxy().WithMetadata(IdempotencyAppliedDownstream.Instance);

await app.MigrateDatabaseAsync();
await app.EnsureBootstrapOperatorAsync();
await app.RunAsync();
