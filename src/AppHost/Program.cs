using Platform.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var registryDb = postgres.AddDatabase("registrydb");
var dispatchDb = postgres.AddDatabase("dispatchdb");
var evaluationDb = postgres.AddDatabase("evaluationdb");

var messaging = builder.AddRabbitMQ("messaging");

var registry = builder.AddProject("registry", "src/Services.Registry")
    .WithReference(registryDb).WithReference(messaging)
    .WaitFor(registryDb).WaitFor(messaging);

var dispatch = builder.AddProject("dispatch", "src/Services.Dispatch")
    .WithReference(dispatchDb).WithReference(messaging)
    .WaitFor(dispatchDb).WaitFor(messaging);

var evaluation = builder.AddProject("evaluation", "src/Services.Evaluation")
    .WithReference(evaluationDb).WithReference(messaging)
    .WaitFor(evaluationDb).WaitFor(messaging);

builder.AddProject("gateway", "src/Gateway")
    .WithReference(registry).WithReference(dispatch).WithReference(evaluation)
    .WaitFor(registry).WaitFor(dispatch).WaitFor(evaluation);

return await builder.Build().RunAsync();
