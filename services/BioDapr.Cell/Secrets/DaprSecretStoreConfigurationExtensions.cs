using BioDapr.Client;
using Microsoft.Extensions.Configuration;

namespace BioDapr.Cell.Secrets;

/// <summary>Reads a Dapr secret store into the app's configuration at startup.</summary>
public static class DaprSecretStoreConfigurationExtensions
{
    /// <summary>
    /// Adds the secrets <paramref name="secretNames"/> (all of the store when empty) of
    /// <paramref name="storeName"/>, read through the sidecar at startup. The sidecar address and token
    /// come from <c>DAPR_HTTP_ENDPOINT</c>/<c>DAPR_HTTP_PORT</c> and <c>DAPR_API_TOKEN</c>.
    /// </summary>
    public static IConfigurationBuilder AddDaprSecretStore(this IConfigurationBuilder builder, string storeName, IReadOnlyList<string>? secretNames = null, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new Source(new DaprSecretStoreOptions { StoreName = storeName, SecretNames = secretNames ?? [], Optional = optional }, null));
    }

    /// <summary>The same, with full options and a client factory (tests substitute the sidecar).</summary>
    public static IConfigurationBuilder AddDaprSecretStore(this IConfigurationBuilder builder, DaprSecretStoreOptions options, Func<IDaprSidecarClient>? createClient)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new Source(options, createClient));
    }

    private static DaprSidecarClient DefaultClient()
    {
        var connection = DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions());
#pragma warning disable CA2000 // The client owns the handler chain and lives as long as the startup load.
        var http = new HttpClient(new DaprApiTokenHandler(connection) { InnerHandler = new SocketsHttpHandler() });
#pragma warning restore CA2000
        return new DaprSidecarClient(http, connection);
    }

    private sealed class Source(DaprSecretStoreOptions options, Func<IDaprSidecarClient>? createClient) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new DaprSecretStoreConfigurationProvider(options, createClient ?? DefaultClient);
    }
}
