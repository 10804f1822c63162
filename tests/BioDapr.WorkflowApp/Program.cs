using BioDapr.WorkflowApp;
using Microsoft.Extensions.Hosting;

// As its own process: DAPR_GRPC_ENDPOINT (or DAPR_GRPC_PORT) names the sidecar, as for any Dapr app.
using var host = WorkflowAppHost.Create(Environment.GetEnvironmentVariable("DAPR_GRPC_ENDPOINT") ?? $"http://127.0.0.1:{Environment.GetEnvironmentVariable("DAPR_GRPC_PORT") ?? "50001"}");
await host.RunAsync();
