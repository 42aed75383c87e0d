using Platform.Gateway;
using Platform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddServiceProxy();
builder.AddPlatformApiDocument();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDeclaredBodySizeLimit();
app.MapPlatformApiDocument();
app.MapReverseProxy();

await app.RunAsync();
