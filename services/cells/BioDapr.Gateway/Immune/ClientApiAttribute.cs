namespace BioDapr.Gateway.Immune;

/// <summary>Endpoint metadata: the endpoint is the clients' API, guarded by <see cref="ClientAdmissionMiddleware"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ClientApiAttribute : Attribute;
