using BioDapr.Cell.Secrets;

namespace BioDapr.Cortex.Dashboard;

/// <summary>
/// The operators allowed to act from the organism page: the secret <c>cortex-operator-keys</c> (Dapr secret store)
/// holds <c>name=key;name=key</c>, the same scheme as the gateway's client keys. Keys are compared in constant time
/// and never logged.
/// </summary>
public sealed class OperatorKeys(IConfiguration configuration)
{
    /// <summary>The secret holding the operator keys.</summary>
    public const string SecretName = "cortex-operator-keys";

    /// <summary>The request header carrying an operator key.</summary>
    public const string Header = "X-Operator-Key";

    /// <summary>Whether any operator key is configured.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(configuration[SecretName]);

    /// <summary>The operator whose key is <paramref name="key"/>, or null.</summary>
    public string? Identify(string? key) => NamedKeys.Identify(configuration[SecretName], key);
}
