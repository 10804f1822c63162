using BioDapr.Sidecar.Cli;
using BioDapr.Sidecar.MultiAppRun;

// `run -f <dapr.yaml>` is the multi-app runner (the Dapr CLI's `dapr run -f`); anything else is
// daprd's own command line.

if (args.Length > 0 && args[0] == "run")
{
    return await RunCommand.ExecuteAsync(args[1..], Console.Out, Console.Error, CancellationToken.None);
}

return await DaprdCommand.ExecuteAsync(args, Console.Out, Console.Error);
