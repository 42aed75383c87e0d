using Platform.Probe;
using Platform.ServiceDefaults.Persistence;

var app = ProbeHost.Build(args);
await app.MigrateDatabaseAsync();
await app.RunAsync();
