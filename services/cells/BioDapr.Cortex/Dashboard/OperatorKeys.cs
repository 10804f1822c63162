using System.Security.Cryptography;
using System.Text;

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
    public string? Identify(string? key)
    {
        if (string.IsNullOrEmpty(key) || configuration[SecretName] is not { Length: > 0 } secret)
        {
            return null;
        }

        var sent = Encoding.UTF8.GetBytes(key);
        string? found = null;
        foreach (var entry in secret.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && CryptographicOperations.FixedTimeEquals(sent, Encoding.UTF8.GetBytes(entry[(equals + 1)..])))
            {
                found = entry[..equals];
            }
        }

        return found;
    }
}
