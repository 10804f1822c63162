namespace BioDapr.Gateway.Immune;

/// <summary>
/// The client a request was admitted for (a request feature set by <see cref="ClientAdmissionMiddleware"/>, resolved by
/// <see cref="ClientAuthenticator"/>): the one name rate limits, fair shares and order ownership are keyed on.
/// </summary>
/// <param name="Name">
/// The client's name: for an API key its name in the <c>gateway-api-keys</c> secret; for an access token <c>oidc:</c> and the
/// token's client id, so a token never passes for a key's client.
/// </param>
public sealed record ClientIdentity(string Name)
{
    /// <summary>How the client proved who it is.</summary>
    public ClientCredentialKind Credential { get; init; } = ClientCredentialKind.ApiKey;

    /// <summary>The operations' scopes the client holds; null for an API key, which may call every operation.</summary>
    public IReadOnlySet<string>? Scopes { get; init; }

    /// <summary>True when the client may call an operation that needs <paramref name="scope"/> (null: no scope needed).</summary>
    public bool Holds(string? scope) => scope is null || Scopes is null || Scopes.Contains(scope);
}

/// <summary>How a client proved who it is.</summary>
public enum ClientCredentialKind
{
    /// <summary>An <c>X-Api-Key</c> from the <c>gateway-api-keys</c> secret.</summary>
    ApiKey,

    /// <summary>An OpenID Connect access token (<c>Authorization: Bearer</c>).</summary>
    AccessToken,
}
