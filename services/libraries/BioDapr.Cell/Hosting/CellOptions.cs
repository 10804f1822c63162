using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cell.Hosting;

/// <summary>Settings every cell shares (configuration section <c>Cell</c>).</summary>
public sealed class CellOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cell";

    /// <summary>Default of <see cref="SidecarWatchInterval"/>: 5 s.</summary>
    public const int DefaultSidecarWatchIntervalSeconds = 5;

    /// <summary>Default of <see cref="SidecarTimeout"/>.</summary>
    public const int DefaultSidecarTimeoutSeconds = 60;

    /// <summary>Default health endpoint: <c>/healthz</c>, where daprd's app health checks look.</summary>
    public const string DefaultHealthPath = "/healthz";

    /// <summary>The cell's name (its Dapr app id): <c>Cell:Name</c>, else <c>APP_ID</c>, else the application name.</summary>
    [Required]
    public string Name { get; set; } = string.Empty;

    /// <summary>The token the sidecar sends (<c>APP_API_TOKEN</c>); empty means calls are not checked.</summary>
    public string? AppApiToken { get; set; }

    /// <summary>
    /// The port of the cell's public API (<c>Cell:PublicPort</c>, else <c>PUBLIC_PORT</c>): endpoints marked
    /// <c>.PublicApi()</c> are served there and only there, while Dapr callbacks stay on the app port
    /// (<c>APP_PORT</c>) that only the sidecar uses. Null: one port serves both (callbacks still need the token).
    /// </summary>
    [Range(1, 65535)]
    public int? PublicPort { get; set; }

    /// <summary>Whether startup waits for the sidecar's outbound health (and fails after the client's startup timeout).</summary>
    public bool WaitForSidecar { get; set; } = true;

    /// <summary>How long startup waits for the sidecar before it fails (default <see cref="DefaultSidecarTimeoutSeconds"/> s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SidecarTimeout { get; set; } = TimeSpan.FromSeconds(DefaultSidecarTimeoutSeconds);

    /// <summary>How long the hormone subscriber waits before it subscribes again after its stream to the sidecar ended or failed (a restarted sidecar).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan SidecarWatchInterval { get; set; } = TimeSpan.FromSeconds(DefaultSidecarWatchIntervalSeconds);

    /// <summary>The health endpoint (daprd's app health checks use <c>/healthz</c> by default).</summary>
    [Required]
    public string HealthPath { get; set; } = DefaultHealthPath;
}
