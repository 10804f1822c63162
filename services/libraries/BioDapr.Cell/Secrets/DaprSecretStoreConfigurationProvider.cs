using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Configuration;

namespace BioDapr.Cell.Secrets;

/// <summary>Loads a secret store's secrets through <see cref="DaprClient"/> into configuration keys.</summary>
internal sealed class DaprSecretStoreConfigurationProvider(DaprSecretStoreOptions options, Func<DaprClient> createClient) : ConfigurationProvider
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
        using var client = createClient();
        using (var timeout = new CancellationTokenSource(options.Timeout))
        {
            try
            {
                await client.WaitForSidecarAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is DaprException or OperationCanceledException)
            {
                if (options.Optional)
                {
                    return data;
                }

                throw new InvalidOperationException($"cannot read secret store '{options.StoreName}': the Dapr sidecar did not answer within {options.Timeout.TotalSeconds:0.#} s", ex);
            }
        }

        if (options.SecretNames.Count == 0)
        {
            try
            {
                foreach (var (name, values) in await client.GetBulkSecretAsync(options.StoreName))
                {
                    Add(data, name, values);
                }
            }
            catch (DaprException ex)
            {
                throw new InvalidOperationException($"cannot read the secrets of secret store '{options.StoreName}': {Reason(ex)}", ex);
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
                catch (DaprException) when (options.Optional)
                {
                    // Optional: a store that is not configured here, or a secret that is absent or not granted, is left out.
                }
                catch (DaprException ex)
                {
                    // The message names the store and the secret, never a value.
                    throw new InvalidOperationException($"cannot read secret '{name}' from secret store '{options.StoreName}': {Reason(ex)}", ex);
                }
            }
        }

        return data;
    }

    private static string Reason(DaprException ex) => ex.InnerException is Grpc.Core.RpcException rpc ? rpc.Status.Detail : ex.Message;

    private static void Add(Dictionary<string, string?> data, string name, Dictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            var configurationKey = values.Count == 1 && key == name ? ToConfigurationKey(name) : ToConfigurationKey(name) + ConfigurationPath.KeyDelimiter + ToConfigurationKey(key);
            data[configurationKey] = value;
        }
    }
}
