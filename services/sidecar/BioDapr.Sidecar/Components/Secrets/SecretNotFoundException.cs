namespace BioDapr.Sidecar.Components.Secrets;

/// <summary>The store has no secret with that name (HTTP 500 <c>ERR_SECRET_GET</c>).</summary>
internal sealed class SecretNotFoundException(string name) : Exception($"secret {name} not found")
{
    public string SecretName { get; } = name;
}
