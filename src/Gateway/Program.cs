using Platform.Gateway;
using Platform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddServiceProxy();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseDeclaredBodySizeLimit();
app.MapReverseProxy();

await app.RunAsync();
