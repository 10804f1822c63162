namespace BioDapr.Client;

/// <summary>App health-check settings of the sidecar.</summary>
public sealed record DaprAppHealthProperties
{
    /// <summary>The probe path, for example <c>/healthz</c>.</summary>
    public string HealthCheckPath { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The probe interval as a Go duration, for example <c>5s</c>.</summary>
    public string HealthProbeInterval { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The probe timeout as a Go duration, for example <c>500ms</c>.</summary>
    public string HealthProbeTimeout { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>Failed probes before the app counts as unhealthy.</summary>
    public int HealthThreshold { get; init; }
}
