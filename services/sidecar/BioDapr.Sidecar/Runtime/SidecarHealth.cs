namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// daprd's two readiness signals: outbound (components loaded, the API usable, before the app is up)
/// and full readiness (<c>/v1.0/healthz</c>: the app connected and subscriptions started).
/// </summary>
internal sealed class SidecarHealth
{
    private volatile bool _outboundReady;
    private volatile string[] _unhealthy = ["runtime"];

    public bool OutboundReady => _outboundReady;

    /// <summary>Targets not ready yet (empty when healthy).</summary>
    public IReadOnlyList<string> UnhealthyTargets => _unhealthy;

    public void SetOutboundReady() => _outboundReady = true;

    public void SetReady() => _unhealthy = [];

    public void SetNotReady(string target) => _unhealthy = [target];
}
