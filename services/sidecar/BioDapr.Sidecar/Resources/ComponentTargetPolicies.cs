namespace BioDapr.Sidecar.Resources;

/// <summary>Policies for one component: inbound (component-triggered calls into the app) and outbound (calls to the component).</summary>
internal sealed record ComponentTargetPolicies(PolicyNames Inbound, PolicyNames Outbound);
