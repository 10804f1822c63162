using System.Runtime.InteropServices;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// <c>run -f &lt;file|dir&gt;</c>: the Dapr CLI's multi-app run, with the development sidecar.
/// Exit codes: 0 clean stop, 1 an app or sidecar failed, 2 bad arguments or an invalid run file.
/// </summary>
internal static class RunCommand
{
    public const string Usage = """
        Usage: run -f <dapr.yaml | directory> [--startup-timeout <seconds>] [--control-port <port>] [--start-idle]

        Runs every app of a Dapr multi-app run file with its development sidecar, like `dapr run -f`.
          -f, --run-file        the run file (a directory means <directory>/dapr.yaml)
          --startup-timeout     seconds each app and its sidecar may take to become ready (default 120;
                                not a Dapr CLI flag: raise it on a slow or heavily loaded machine)
          --control-port        the runner's control API port on 127.0.0.1 (default: a free port; not a Dapr
                                CLI flag): lists replicas and changes them (`scale <app> <n>`)
          --start-idle          replicas added while running (`scale`) start at idle CPU priority (Linux
                                SCHED_IDLE, every thread of the app and its sidecar) and get the runner's
                                priority back once ready: on one machine a start then takes only the CPU
                                the serving replicas leave (not a Dapr CLI flag)
          -h, --help            this text
        An app's `replicas: n` (not a Dapr CLI field) starts n replicas, each with its own sidecar.
        Ctrl-C (SIGINT) or SIGTERM stops the apps, then their sidecars.
        """;

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string? file = null;
        var startupTimeout = MultiAppRunner.DefaultStartupTimeout;
        var controlPort = 0;
        var startIdle = false;
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
                case "--control-port" when i + 1 < args.Count:
                    if (!int.TryParse(args[++i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out controlPort) || controlPort is < 1 or > 65535)
                    {
                        await stderr.WriteLineAsync($"run: --control-port must be a port from 1 to 65535, but is '{args[i]}'\n\n{Usage}");
                        return 2;
                    }

                    break;
                case "--start-idle":
                    startIdle = true;
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

        if (startIdle && !StartPriority.IsSupported)
        {
            await stderr.WriteLineAsync("⚠️  --start-idle needs Linux (SCHED_IDLE): new replicas start at the runner's priority");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));

        // The control API listens before the apps start: they get its address and token.
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        MultiAppRunner? runner = null;
        RunnerControlApi control;
        try
        {
            control = await RunnerControlApi.StartAsync(() => Volatile.Read(ref runner), controlPort != 0 ? controlPort : LoopbackPorts.Next(), token, stop.Token);
        }
        catch (IOException ex)
        {
            await stderr.WriteLineAsync($"❌  the runner's control API cannot listen: {ex.Message} (choose another --control-port)");
            return 1;
        }

        await using (control)
        {
            apps = WithControl(apps, control.Url, token);
            var stateFile = RunnerControlApi.StateFile(file);
            RunnerControlApi.WriteState(stateFile, control.Url, token);
            await stdout.WriteLineAsync($"ℹ️  Runner control API on {control.Url} (scale with: scale <app> <replicas>)");
            try
            {
                Volatile.Write(ref runner, new MultiAppRunner(apps, SidecarLauncher.Self(), stdout, stderr) { StartupTimeout = startupTimeout, StartIdle = startIdle });
                return await runner!.RunAsync(stop.Token);
            }
            finally
            {
                File.Delete(stateFile);
            }
        }
    }

    /// <summary>The plans with the control API's address and token in each app's environment.</summary>
    internal static IReadOnlyList<AppRunPlan> WithControl(IReadOnlyList<AppRunPlan> apps, Uri url, string token) =>
        [.. apps.Select(app => app with
        {
            AppEnvironment = new Dictionary<string, string>(app.AppEnvironment, StringComparer.Ordinal)
            {
                [RunnerControlApi.UrlVariable] = url.ToString().TrimEnd('/'),
                [RunnerControlApi.TokenVariable] = token,
            },
        })];

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
