namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>Everything needed to start one app and its sidecar, resolved from the run file.</summary>
internal sealed record AppRunPlan
{
    public required string AppId { get; init; }

    /// <summary>Absolute app directory: the working directory of both the app and its sidecar.</summary>
    public required string AppDirPath { get; init; }

    /// <summary>The app's command (empty: run only the sidecar).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public int? AppPort { get; init; }

    public required int DaprHttpPort { get; init; }

    public required int DaprGrpcPort { get; init; }

    public required int DaprInternalPort { get; init; }

    public required int MetricsPort { get; init; }

    /// <summary>Variables added to the app's environment (on top of the runner's).</summary>
    public required IReadOnlyDictionary<string, string> AppEnvironment { get; init; }

    /// <summary>Variables added to the sidecar's environment (the run's credentials; see <see cref="RunSecrets"/>).</summary>
    public IReadOnlyDictionary<string, string> SidecarEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The daprd flags for the sidecar.</summary>
    public required IReadOnlyList<string> SidecarArguments { get; init; }

    /// <summary>Where daprd's output goes: file, console or fileAndConsole (the CLI's default: file).</summary>
    public string DaprdLogDestination { get; init; } = "file";

    /// <summary>Where the app's output goes (the CLI's default: fileAndConsole).</summary>
    public string AppLogDestination { get; init; } = "fileAndConsole";

    /// <summary>
    /// How many replicas the run starts with (the run file's <c>replicas</c>, a BioDapr extension the Dapr CLI
    /// ignores; default 1).
    /// </summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Which replica this plan starts (0 is the one with the run file's ports).</summary>
    public int Replica { get; init; }

    /// <summary>The name in output lines: the app id, with <c>#n</c> for replicas after the first.</summary>
    public string DisplayName => Replica == 0 ? AppId : AppId + "#" + Replica.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The sidecar ports the runner picked (the run file left them out); only these may change.</summary>
    public IReadOnlySet<SidecarPort> PickedPorts { get; init; } = new HashSet<SidecarPort>();

    /// <summary>
    /// The same plan with new values for the ports the runner picked, in the sidecar's flags and the
    /// app's environment alike (used when a sidecar could not bind a picked port).
    /// </summary>
    public AppRunPlan WithFreshPorts(Func<int> freePort)
    {
        var changes = new Dictionary<SidecarPort, (int Old, int New)>();
        int Fresh(SidecarPort port, int current)
        {
            if (!PickedPorts.Contains(port))
            {
                return current;
            }

            var fresh = freePort();
            changes[port] = (current, fresh);
            return fresh;
        }

        var plan = this with
        {
            DaprHttpPort = Fresh(SidecarPort.Http, DaprHttpPort),
            DaprGrpcPort = Fresh(SidecarPort.Grpc, DaprGrpcPort),
            DaprInternalPort = Fresh(SidecarPort.Internal, DaprInternalPort),
            MetricsPort = Fresh(SidecarPort.Metrics, MetricsPort),
        };
        var arguments = SidecarArguments.ToList();
        var environment = new Dictionary<string, string>(AppEnvironment, StringComparer.Ordinal);
        foreach (var (port, (old, fresh)) in changes)
        {
            var (flag, variable) = Names(port);
            var at = arguments.IndexOf(flag);
            if (at >= 0 && at + 1 < arguments.Count && arguments[at + 1] == Text(old))
            {
                arguments[at + 1] = Text(fresh);
            }

            if (variable is not null && environment.TryGetValue(variable, out var value) && value == Text(old))
            {
                environment[variable] = Text(fresh);
            }
        }

        return plan with { SidecarArguments = arguments, AppEnvironment = environment };
    }

    /// <summary>
    /// The plan of replica <paramref name="index"/>: the same app, command and sidecar flags, its replica index
    /// in both environments (the sidecar names its name-resolution instance after it), and, for every replica
    /// but the first, fresh ports for the sidecar and the app (the app port in <c>--app-port</c> and
    /// <c>APP_PORT</c>). Other ports an app binds from its own environment are the same for every replica.
    /// </summary>
    public AppRunPlan ForReplica(int index, Func<int> freePort, TimeSpan drainDelay)
    {
        ArgumentNullException.ThrowIfNull(freePort);
        var replica = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var plan = index == 0
            ? this
            : (this with { PickedPorts = new HashSet<SidecarPort> { SidecarPort.Http, SidecarPort.Grpc, SidecarPort.Internal, SidecarPort.Metrics } }).WithFreshPorts(freePort) with { PickedPorts = PickedPorts };
        var arguments = plan.SidecarArguments.ToList();
        var appEnvironment = new Dictionary<string, string>(plan.AppEnvironment, StringComparer.Ordinal) { [ReplicaVariable] = replica };
        int? appPort = plan.AppPort;
        if (index > 0 && appPort is { } oldAppPort)
        {
            appPort = freePort();
            var at = arguments.IndexOf("--app-port");
            if (at >= 0 && at + 1 < arguments.Count)
            {
                arguments[at + 1] = Text(appPort.Value);
            }

            if (appEnvironment.TryGetValue("APP_PORT", out var value) && value == Text(oldAppPort))
            {
                appEnvironment["APP_PORT"] = Text(appPort.Value);
            }
        }

        var sidecarEnvironment = new Dictionary<string, string>(plan.SidecarEnvironment, StringComparer.Ordinal) { [ReplicaVariable] = replica };
        if (drainDelay > TimeSpan.Zero)
        {
            sidecarEnvironment[DrainDelayVariable] = Text((int)drainDelay.TotalMilliseconds);
        }

        return plan with
        {
            Replica = index,
            AppPort = appPort,
            SidecarArguments = arguments,
            AppEnvironment = appEnvironment,
            SidecarEnvironment = sidecarEnvironment,
            PickedPorts = index == 0 ? PickedPorts : new HashSet<SidecarPort> { SidecarPort.Http, SidecarPort.Grpc, SidecarPort.Internal, SidecarPort.Metrics },
        };
    }

    /// <summary>The replica index in the app's and the sidecar's environment.</summary>
    public const string ReplicaVariable = Cli.DaprdCommand.ReplicaVariable;

    /// <summary>The sidecar's drain delay in milliseconds (see <see cref="Runtime.SidecarSettings.DrainDelay"/>).</summary>
    public const string DrainDelayVariable = Cli.DaprdCommand.DrainDelayVariable;

    /// <summary>The daprd flag and the app's environment variable that carry <paramref name="port"/>.</summary>
    public static (string Flag, string? Variable) Names(SidecarPort port) => port switch
    {
        SidecarPort.Http => ("--dapr-http-port", "DAPR_HTTP_PORT"),
        SidecarPort.Grpc => ("--dapr-grpc-port", "DAPR_GRPC_PORT"),
        SidecarPort.Internal => ("--dapr-internal-grpc-port", null),
        SidecarPort.Metrics => ("--metrics-port", "DAPR_METRICS_PORT"),
        _ => throw new ArgumentOutOfRangeException(nameof(port)),
    };

    private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The ports a sidecar listens on.</summary>
internal enum SidecarPort
{
    Http,
    Grpc,
    Internal,
    Metrics,
}
