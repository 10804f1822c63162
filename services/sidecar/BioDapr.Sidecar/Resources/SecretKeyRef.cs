namespace BioDapr.Sidecar.Resources;

/// <summary>A metadata value read from a secret store: secret <paramref name="Name"/>, field <paramref name="Key"/> (defaults to the name).</summary>
internal sealed record SecretKeyRef(string Name, string Key);
