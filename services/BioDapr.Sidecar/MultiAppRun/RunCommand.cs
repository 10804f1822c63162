using System.Runtime.InteropServices;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// <c>run -f &lt;file|dir&gt;</c>: the Dapr CLI's multi-app run, with the development sidecar.
/// Exit codes: 0 clean stop, 1 an app or sidecar failed, 2 bad arguments or an invalid run file.
/// </summary>
internal static class RunCommand
{
    public const string Usage = """
        Usage: run -f <dapr.yaml | directory> [--startup-timeout <seconds>]

        Runs every app of a Dapr multi-app run file with its development sidecar, like `dapr run -f`.
          -f, --run-file       the run file (a directory means <directory>/dapr.yaml)
          --startup-timeout    how long an app and its sidecar may take to be ready (default 120 s)
          -h, --help           this text
        Ctrl-C (SIGINT) or SIGTERM stops the apps, then their sidecars.
        """;

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string? file = null;
        TimeSpan? startupTimeout = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    await stdout.WriteLineAsync(Usage);
                    return 0;
                case "-f" or "--run-file" when i + 1 < args.Count:
                    file = args[++i];
                    break;
                case "--startup-timeout" when i + 1 < args.Count:
                    if (!int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 3600)
                    {
                        await stderr.WriteLineAsync($"run: --startup-timeout must be a number of seconds from 1 to 3600 (got '{args[i]}')");
                        return 2;
                    }

                    startupTimeout = TimeSpan.FromSeconds(seconds);
                    break;
                case var arg when arg.StartsWith("--run-file=", StringComparison.Ordinal):
                    file = arg["--run-file=".Length..];
                    break;
                default:
                    await stderr.WriteLineAsync($"run: unknown or incomplete argument '{args[i]}'\n\n{Usage}");
                    return 2;
            }
        }

        if (file is null)
        {
            await stderr.WriteLineAsync($"run: the run file is required (-f)\n\n{Usage}");
            return 2;
        }

        IReadOnlyList<AppRunPlan> apps;
        try
        {
            (apps, var warnings) = RunFileParser.Parse(file, Environment.GetEnvironmentVariable, LoopbackPorts.Next);
            apps = RunSecrets.Apply(apps, System.Security.Cryptography.RandomNumberGenerator.GetBytes);
            foreach (var warning in warnings)
            {
                await stderr.WriteLineAsync("⚠️  " + warning);
            }
        }
        catch (RunFileException ex)
        {
            await stderr.WriteLineAsync("❌  " + ex.Message);
            return 2;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
        var runner = startupTimeout is { } timeout
            ? new MultiAppRunner(apps, SidecarLauncher.Self(), stdout, stderr) { StartupTimeout = timeout }
            : new MultiAppRunner(apps, SidecarLauncher.Self(), stdout, stderr);
        return await runner.RunAsync(stop.Token);
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
