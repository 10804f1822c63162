namespace BioDapr.Cell.Immune;

/// <summary>Endpoint metadata: this endpoint is called by clients directly, not through the sidecar, so it does not need the app token.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class AllowWithoutSidecarTokenAttribute : Attribute;
