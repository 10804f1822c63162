using BioDapr.Client;
using Microsoft.Extensions.Configuration;

namespace BioDapr.Cell.Secrets;

/// <summary>Loads secrets from a Dapr secret store into configuration, once, at startup.</summary>
internal sealed class DaprSecretStoreConfigurationProvider(DaprSecretStoreOptions options, Func<IDaprSidecarClient> createClient) : ConfigurationProvider
{
    public override void Load()
    {
        // IConfigurationProvider.Load is synchronous by design and runs before the host exists, so this
        // is the one place that blocks on the sidecar.
        Data = LoadAsync().GetAwaiter().GetResult();
    }

    internal static string ToConfigurationKey(string name) => name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);

    private async Task<Dictionary<string, string?>> LoadAsync()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var client = createClient();
        try
        {
            await client.WaitForSidecarAsync(options.Timeout);
        }
        catch (DaprSidecarUnavailableException) when (options.Optional)
        {
            return data;
        }

        if (options.SecretNames.Count == 0)
        {
            foreach (var (name, values) in await client.GetBulkSecretsAsync(options.StoreName))
            {
                Add(data, name, values);
            }
        }
        else
        {
            foreach (var name in options.SecretNames)
            {
                try
                {
                    Add(data, name, await client.GetSecretAsync(options.StoreName, name));
                }
                catch (DaprApiException ex)
                {
                    // The message names the store and the secret, never a value.
                    throw new InvalidOperationException($"cannot read secret '{name}' from secret store '{options.StoreName}': {ex.Message}", ex);
                }
            }
        }

        return data;
    }

    private static void Add(Dictionary<string, string?> data, string name, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            var configurationKey = values.Count == 1 && key == name ? ToConfigurationKey(name) : ToConfigurationKey(name) + ConfigurationPath.KeyDelimiter + ToConfigurationKey(key);
            data[configurationKey] = value;
        }
    }
}
