using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary><c>/v1.0/healthz</c>, <c>/v1.0/healthz/outbound</c> and <c>/v1.0/shutdown</c>.</summary>
internal sealed class HealthApi(SidecarRuntime runtime)
{
    public async Task HealthzAsync(HttpContext context)
    {
        if (runtime.Health.UnhealthyTargets is { Count: > 0 } targets)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.HealthNotReady(targets));
            return;
        }

        if (context.Request.Query.TryGetValue("appid", out var appId) && appId.ToString() != runtime.Settings.AppId)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.HealthAppIdNotMatch());
            return;
        }

        ApiHttp.WriteEmpty(context.Response);
    }

    public async Task OutboundHealthzAsync(HttpContext context)
    {
        if (!runtime.Health.OutboundReady)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.OutboundHealthNotReady());
            return;
        }

        ApiHttp.WriteEmpty(context.Response);
    }

    /// <summary>204 and a graceful stop in the background; <c>dapr-force-shutdown: true</c> exits at once (daprd: exit code 1 after 100 ms).</summary>
    public void Shutdown(HttpContext context)
    {
        ApiHttp.WriteEmpty(context.Response);
        var force = string.Equals(context.Request.Headers["dapr-force-shutdown"].ToString(), "true", StringComparison.OrdinalIgnoreCase);
        runtime.RequestShutdown(force);
    }
}
