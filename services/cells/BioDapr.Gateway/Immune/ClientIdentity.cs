namespace BioDapr.Gateway.Immune;

/// <summary>The client a request was admitted for (a request feature set by <see cref="ClientAdmissionMiddleware"/>).</summary>
/// <param name="Name">The client's name from the <c>gateway-api-keys</c> secret.</param>
public sealed record ClientIdentity(string Name);
