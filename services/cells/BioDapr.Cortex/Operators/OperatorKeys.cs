using BioDapr.Cell.Secrets;

namespace BioDapr.Cortex.Operators;

/// <summary>
/// The operators allowed to change the organism through the cortex (switch pathogens, start and adopt evolutions): the secret <c>cortex-operator-keys</c> (Dapr secret store)
/// holds <c>name=key;name=key</c>, the same scheme as the gateway's client keys. Keys are compared in constant time
/// and never logged.
/// </summary>
public sealed class OperatorKeys(IConfiguration configuration)
{
    /// <summary>The secret holding the operator keys.</summary>
    public const string SecretName = "cortex-operator-keys";

    /// <summary>The request header carrying an operator key.</summary>
    public const string Header = "X-Operator-Key";

    /// <summary>Whether any operator key is configured (at least one <c>name=key</c> entry with a name and a key).</summary>
    public bool Configured => (configuration[SecretName] ?? string.Empty)
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Any(entry => entry.IndexOf('=', StringComparison.Ordinal) is var equals && equals > 0 && equals < entry.Length - 1);

    /// <summary>The operator whose key is <paramref name="key"/>, or null.</summary>
    public string? Identify(string? key) => NamedKeys.Identify(configuration[SecretName], key);
}
