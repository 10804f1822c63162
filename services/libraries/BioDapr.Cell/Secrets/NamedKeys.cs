using System.Security.Cryptography;
using System.Text;

namespace BioDapr.Cell.Secrets;

/// <summary>
/// A secret that lists named keys as <c>name=key;name=key</c> (the gateway's client keys, the cortex's operator keys).
/// Keys are compared in constant time and never logged.
/// </summary>
public static class NamedKeys
{
    /// <summary>The name whose key in <paramref name="secret"/> is <paramref name="key"/>, or null.</summary>
    public static string? Identify(string? secret, string? key)
    {
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var sent = Encoding.UTF8.GetBytes(key);
        string? found = null;
        // Every entry is compared, whether or not one matched already, so the time taken says nothing about the keys.
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
