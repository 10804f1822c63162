using BioDapr.Sidecar.Cli;

// `run -f <dapr.yaml>` is the multi-app runner (the Dapr CLI's `dapr run -f`); anything else is
// daprd's own command line.

return await DaprdCommand.ExecuteAsync(args, Console.Out, Console.Error);
