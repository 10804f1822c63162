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
          -f, --run-file        the run file (a directory means <directory>/dapr.yaml)
          --startup-timeout     seconds each app and its sidecar may take to become ready (default 120;
                                not a Dapr CLI flag: raise it on a slow or heavily loaded machine)
          -h, --help            this text
        Ctrl-C (SIGINT) or SIGTERM stops the apps, then their sidecars.
        """;

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string? file = null;
        var startupTimeout = MultiAppRunner.DefaultStartupTimeout;
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
                case var arg when arg.StartsWith("--run-file=", StringComparison.Ordinal):
                    file = arg["--run-file=".Length..];
                    break;
                case "--startup-timeout" when i + 1 < args.Count:
                    if (!TryParseSeconds(args[++i], out startupTimeout))
                    {
                        await stderr.WriteLineAsync($"run: --startup-timeout must be a whole number of seconds from 1 to 3600, but is '{args[i]}'\n\n{Usage}");
                        return 2;
                    }

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
        var runner = new MultiAppRunner(apps, SidecarLauncher.Self(), stdout, stderr) { StartupTimeout = startupTimeout };
        return await runner.RunAsync(stop.Token);
    }

    internal static bool TryParseSeconds(string text, out TimeSpan value)
    {
        var ok = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && seconds is >= 1 and <= 3600;
        value = ok ? TimeSpan.FromSeconds(seconds) : MultiAppRunner.DefaultStartupTimeout;
        return ok;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
