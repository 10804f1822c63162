using Dapr.Workflow;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BioDapr.WorkflowApp;

/// <summary>Builds the app's host: <c>AddDaprWorkflow</c> with every workflow and activity of <see cref="TestWorkflows"/>.</summary>
public static class WorkflowAppHost
{
    /// <summary>A host whose workflow worker connects to the sidecar at <paramref name="grpcEndpoint"/>.</summary>
    public static IHost Create(string grpcEndpoint)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["DAPR_GRPC_ENDPOINT"] = grpcEndpoint;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDaprWorkflow(TestWorkflows.Register);
        return builder.Build();
    }
}
