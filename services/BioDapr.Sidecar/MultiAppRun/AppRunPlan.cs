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
}
