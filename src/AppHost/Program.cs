using Platform.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// Local PostgreSQL and RabbitMQ under .platform/, unless ConnectionStrings:<name> names existing ones.
var postgres = builder.AddPostgres("postgres");
var registryDb = postgres.AddDatabase("registrydb");
var dispatchDb = postgres.AddDatabase("dispatchdb");
var evaluationDb = postgres.AddDatabase("evaluationdb");
var gatewayDb = postgres.AddDatabase("gatewaydb");

var messaging = builder.AddRabbitMQ("messaging");

// The gateway signs the token every service checks; a fresh installation gets an operator key.
var secrets = builder.AddInstallationSecrets();

var registry = builder.AddProject("registry", "src/Services.Registry")
    .WithHttpEndpoint(port: 8081)
    .WithEnvironment("Auth__SigningKey", secrets.SigningKey)
    .WithReference(registryDb).WaitFor(registryDb)
    .WithReference(messaging).WaitFor(messaging);

var dispatch = builder.AddProject("dispatch", "src/Services.Dispatch")
    .WithHttpEndpoint(port: 8082)
    .WithEnvironment("Auth__SigningKey", secrets.SigningKey)
    .WithReference(dispatchDb).WaitFor(dispatchDb)
    .WithReference(messaging).WaitFor(messaging);

var evaluation = builder.AddProject("evaluation", "src/Services.Evaluation")
    .WithHttpEndpoint(port: 8083)
    .WithEnvironment("Auth__SigningKey", secrets.SigningKey)
    .WithReference(evaluationDb).WaitFor(evaluationDb)
    .WithReference(messaging).WaitFor(messaging);

// The gateway reads the broker's management API for the operations dashboard.
builder.AddProject("gateway", "src/Gateway")
    .WithHttpEndpoint(port: 8080)
    .WithEnvironment("Auth__SigningKey", secrets.SigningKey)
    .WithEnvironment("Gateway__BootstrapOperatorKey", secrets.BootstrapOperatorKey)
    .WithReference(gatewayDb).WaitFor(gatewayDb)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(registry).WaitFor(registry)
    .WithReference(dispatch).WaitFor(dispatch)
    .WithReference(evaluation).WaitFor(evaluation);

return await builder.Build().RunAsync();
