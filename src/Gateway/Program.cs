using Platform.Gateway;
using Platform.Gateway.Dashboard;
using Platform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddServiceProxy();
builder.AddPlatformApiDocument();
builder.AddDashboard();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDeclaredBodySizeLimit();
app.MapPlatformApiDocument();
app.MapDashboard();
app.MapReverseProxy();

await app.RunAsync();
