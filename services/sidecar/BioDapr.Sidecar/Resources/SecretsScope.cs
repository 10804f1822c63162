namespace BioDapr.Sidecar.Resources;

/// <summary>
/// One <c>spec.secrets.scopes</c> entry of the Configuration: which secrets of one store the Secrets API may return.
/// Applies only to the Secrets API; <c>secretKeyRef</c> resolution for components ignores it.
/// </summary>
/// <param name="StoreName">The secret store component.</param>
/// <param name="DefaultAccess"><c>allow</c> or <c>deny</c> (case-insensitive); empty means allow.</param>
/// <param name="AllowedSecrets">When non-empty, the only secrets allowed (the deny list and default are then ignored).</param>
/// <param name="DeniedSecrets">Secrets refused when there is no allow list.</param>
internal sealed record SecretsScope(string StoreName, string DefaultAccess, IReadOnlyList<string> AllowedSecrets, IReadOnlyList<string> DeniedSecrets)
{
    /// <summary>Decides access as daprd does: allow list (when present), then deny list, then the default.</summary>
    public bool IsSecretAllowed(string secret)
    {
        if (AllowedSecrets.Count > 0)
        {
            return AllowedSecrets.Contains(secret, StringComparer.Ordinal);
        }

        if (DeniedSecrets.Contains(secret, StringComparer.Ordinal))
        {
            return false;
        }

        return !string.Equals(DefaultAccess, "deny", StringComparison.OrdinalIgnoreCase);
    }
}
