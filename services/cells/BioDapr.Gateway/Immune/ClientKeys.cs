using BioDapr.Cell.Secrets;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// The clients allowed through the gateway: the secret <c>gateway-api-keys</c> holds
/// <c>client=key;client=key</c>. Keys are compared in constant time and never logged.
/// </summary>
public sealed class ClientKeys(IConfiguration configuration)
{
    /// <summary>The secret holding the client keys.</summary>
    public const string SecretName = "gateway-api-keys";

    /// <summary>One client's key (the cell's own warm-up calls through its API with it), or null when there is none.</summary>
    public string? AnyKey() =>
        configuration[SecretName]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals ? entry[(equals + 1)..] : null)
            .FirstOrDefault(key => key is { Length: > 0 });

    /// <summary>The client whose key is <paramref name="apiKey"/>, or null.</summary>
    public string? Identify(string? apiKey) => NamedKeys.Identify(configuration[SecretName], apiKey);
}
