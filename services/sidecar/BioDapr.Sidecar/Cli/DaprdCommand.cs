using System.Runtime.InteropServices;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Runtime;
using Microsoft.Extensions.Logging.Console;

namespace BioDapr.Sidecar.Cli;

/// <summary>
/// daprd mode: parse daprd's flags, start the sidecar, run until SIGINT/SIGTERM or
/// <c>POST /v1.0/shutdown</c>, stop gracefully. Exit codes as daprd: 0 clean stop, 1 runtime
/// failure, 2 bad flags.
/// </summary>
internal static partial class DaprdCommand
{
    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        DaprdOptions options;
        try
        {
            options = DaprdCommandLine.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (CommandLineException ex)
        {
            await stderr.WriteLineAsync($"biodapr-sidecar: {ex.Message}");
            await stderr.WriteLineAsync("Run with --help to list the flags.");
            return ExitCodes.UsageError;
        }

        if (options.HelpRequested)
        {
            await stdout.WriteLineAsync(DaprdCommandLine.HelpText);
            return ExitCodes.Success;
        }

        if (options.VersionRequested || options.BuildInfoRequested)
        {
            await stdout.WriteLineAsync(DaprdCommandLine.VersionText);
            return ExitCodes.Success;
        }

        // Read once; nothing later in this process (an env secret store, envRef, a --config expansion) can see it.
        Environment.SetEnvironmentVariable(Security.PeerAuthenticator.SecretVariable, null);
        using var loggerFactory = CreateLoggerFactory(options);
        var logger = loggerFactory.CreateLogger("BioDapr.Sidecar");
        foreach (var warning in options.Warnings)
        {
            Log.FlagWarning(logger, warning);
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        SidecarHost host;
        try
        {
            host = await SidecarHost.StartAsync(ToSettings(options), loggerFactory, TimeProvider.System, new Random(), stop.Token);
        }
        catch (SidecarStartupException ex)
        {
            Log.StartupFailed(logger, ex.Message);
            await stderr.WriteLineAsync($"biodapr-sidecar: fatal: {ex.Message}");
            return ExitCodes.RuntimeError;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }

        await using (host)
        {
            var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => false, TaskScheduler.Default);
            var finished = await Task.WhenAny(stopped, host.Runtime.ShutdownRequested);
            if (finished == host.Runtime.ShutdownRequested && await host.Runtime.ShutdownRequested)
            {
                // daprd: dapr-force-shutdown exits with code 1 after 100 ms, without a graceful stop.
                await Task.Delay(100);
                return ExitCodes.RuntimeError;
            }

            await host.StopAsync();
        }

        return ExitCodes.Success;
    }

    /// <summary>Maps daprd's flags to the runtime's settings.</summary>
    public static SidecarSettings ToSettings(DaprdOptions options) => new()
    {
        AppId = options.AppId,
        AppPort = options.AppPort is > 0 ? options.AppPort : null,
        AppChannelAddress = options.AppChannelAddress,
        ListenAddress = ListenAddress(options.DaprListenAddresses),
        HttpPort = options.DaprHttpPort,
        GrpcPort = options.DaprGrpcPort,
        AppProtocol = options.AppProtocol,
        InternalPort = options.DaprInternalGrpcPort ?? 0,
        ResourcesPaths = options.ResourcesPaths,
        ConfigFiles = options.ConfigFiles,
        ApiToken = options.ApiToken,
        AppApiToken = options.AppApiToken,
        InternalSecret = options.InternalSecret,
        EnableAppHealthCheck = options.EnableAppHealthCheck,
        AppHealthCheckPath = options.AppHealthCheckPath,
        AppHealthProbeInterval = options.AppHealthProbeInterval,
        AppHealthProbeTimeout = options.AppHealthProbeTimeout,
        AppHealthThreshold = options.AppHealthThreshold,
        AppMaxConcurrency = options.AppMaxConcurrency,
        MaxBodySize = options.MaxBodySize,
        DisabledInitEndpoints = options.DisableInitEndpoints.ToHashSet(StringComparer.Ordinal),
        GracefulShutdown = options.GracefulShutdownDuration,
        Namespace = Environment.GetEnvironmentVariable("NAMESPACE") ?? string.Empty,
        NameResolutionDirectory = FileNameResolver.DefaultDirectory(Environment.GetEnvironmentVariable),
        Replica = Environment.GetEnvironmentVariable(ReplicaVariable) is { Length: > 0 } replica ? replica : null,
        DrainDelay = DrainDelayFrom(Environment.GetEnvironmentVariable(DrainDelayVariable)),
        PlacementHostAddress = options.PlacementHostAddress,
    };

    // daprd listens on every address given; the development sidecar binds one (loopback by default).
    /// <summary>The replica index the runner gives each sidecar (and app) of a replicated app.</summary>
    public const string ReplicaVariable = "BIODAPR_REPLICA";

    /// <summary>Milliseconds a stopping sidecar keeps answering after leaving name resolution.</summary>
    public const string DrainDelayVariable = "BIODAPR_DRAIN_DELAY_MS";

    private static TimeSpan DrainDelayFrom(string? text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms is > 0 and <= 60_000
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.Zero;

    private static string ListenAddress(IReadOnlyList<string> addresses) =>
        addresses.FirstOrDefault(a => a.Length > 0) is { } address
            ? address is "localhost" ? "127.0.0.1" : address
            : "127.0.0.1";

    private static ILoggerFactory CreateLoggerFactory(DaprdOptions options) =>
        LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(options.LogLevel switch
            {
                "debug" => LogLevel.Debug,
                "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "fatal" => LogLevel.Critical,
                _ => LogLevel.Information,
            });
            logging.AddFilter("Microsoft", LogLevel.Warning);
            if (options.LogAsJson)
            {
                logging.AddJsonConsole();
            }
            else
            {
                logging.AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss.fff ";
                    console.ColorBehavior = LoggerColorBehavior.Disabled;
                });
            }
        });

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void FlagWarning(ILogger logger, string warning);

        [LoggerMessage(EventId = 2, Level = LogLevel.Critical, Message = "Fatal error at startup: {Reason}")]
        public static partial void StartupFailed(ILogger logger, string reason);
    }
}
