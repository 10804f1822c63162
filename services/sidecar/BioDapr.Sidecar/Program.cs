using BioDapr.Sidecar.Cli;
using BioDapr.Sidecar.Deployment;
using BioDapr.Sidecar.MultiAppRun;

// `run -f <dapr.yaml>` is the multi-app runner (the Dapr CLI's `dapr run -f`); `scale` changes the replicas
// of a running one; `aca-components`
// translates Component YAML for Azure Container Apps; anything else is daprd's own command line.

if (args.Length > 0 && args[0] == "run")
{
    return await RunCommand.ExecuteAsync(args[1..], Console.Out, Console.Error, CancellationToken.None);
}

if (args.Length > 0 && args[0] == "scale")
{
    return await ScaleCommand.ExecuteAsync(args[1..], Console.Out, Console.Error, CancellationToken.None);
}

if (args.Length > 0 && args[0] == "aca-components")
{
    return await AcaComponentsCommand.ExecuteAsync(args[1..], Console.Out, Console.Error);
}

return await DaprdCommand.ExecuteAsync(args, Console.Out, Console.Error);
