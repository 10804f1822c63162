namespace BioDapr.Sidecar.Resources;

/// <summary>
/// One <c>spec.metadata</c> entry of a component: exactly one of a plain <paramref name="Value"/> (non-string
/// YAML scalars keep their text, mappings and lists become JSON text), a <paramref name="SecretKeyRef"/>
/// resolved through the component's <c>auth.secretStore</c>, or an <paramref name="EnvRef"/> read from the
/// sidecar's environment.
/// </summary>
internal sealed record ComponentMetadataItem(string Name, string? Value, SecretKeyRef? SecretKeyRef, string? EnvRef);
