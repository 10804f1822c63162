using BioDapr.Sidecar.Components.State;

namespace BioDapr.Sidecar.Components;

/// <summary>What the metadata APIs (HTTP and gRPC) report a component can do.</summary>
internal static class ComponentCapabilities
{
    /// <summary>The capabilities daprd reports for a component: its own, plus <c>ACTOR</c> for a state store with ETags and transactions.</summary>
    public static List<string> Reported(IComponent component)
    {
        var capabilities = component.Capabilities.ToList();
        if (component is IStateStore store
            && store.Features.HasFlag(StateStoreFeatures.ETag | StateStoreFeatures.Transactional)
            && !capabilities.Contains("ACTOR"))
        {
            capabilities.Add("ACTOR");
        }

        return capabilities;
    }
}
