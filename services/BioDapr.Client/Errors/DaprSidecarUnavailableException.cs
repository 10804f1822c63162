namespace BioDapr.Client;

/// <summary>The sidecar did not become ready in time (see <see cref="IDaprSidecarClient.WaitForSidecarAsync"/>).</summary>
public sealed class DaprSidecarUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">The address that was polled.</param>
    /// <param name="waited">How long the client waited.</param>
    /// <param name="lastError">What the last attempt saw.</param>
    /// <param name="innerException">The last attempt's exception, if it threw.</param>
    public DaprSidecarUnavailableException(Uri endpoint, TimeSpan waited, string lastError, Exception? innerException = null)
        : base(
            $"The Dapr sidecar at {endpoint} did not become ready within {waited.TotalSeconds:0.###} s " +
            $"(polled GET {endpoint}v1.0/healthz/outbound). Last error: {lastError}. " +
            "Is the sidecar running? Set DAPR_HTTP_PORT, DAPR_HTTP_ENDPOINT or Dapr:HttpEndpoint if it listens elsewhere.",
            innerException)
    {
        Endpoint = endpoint;
        Waited = waited;
        LastError = lastError;
    }

    /// <summary>The address that was polled.</summary>
    public Uri Endpoint { get; }

    /// <summary>How long the client waited.</summary>
    public TimeSpan Waited { get; }

    /// <summary>What the last attempt saw.</summary>
    public string LastError { get; }
}
