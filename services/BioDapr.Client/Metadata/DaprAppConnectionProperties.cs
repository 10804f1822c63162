namespace BioDapr.Client;

/// <summary>How the sidecar reaches its app.</summary>
public sealed record DaprAppConnectionProperties
{
    /// <summary>The app port; 0 when the sidecar has no app port.</summary>
    public int Port { get; init; }

    /// <summary>The app protocol, for example <c>http</c>.</summary>
    public string Protocol { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The app's address, for example <c>127.0.0.1</c>.</summary>
    public string ChannelAddress { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The app's maximum concurrency (-1 or 0 for unlimited).</summary>
    public int MaxConcurrency { get; init; }

    /// <summary>App health checking; null when it is off.</summary>
    public DaprAppHealthProperties? Health { get; init; }
}
