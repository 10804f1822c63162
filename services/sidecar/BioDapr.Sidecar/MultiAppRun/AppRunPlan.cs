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
