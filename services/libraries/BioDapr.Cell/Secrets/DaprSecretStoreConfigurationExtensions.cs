using Dapr.Client;
using Microsoft.Extensions.Configuration;

namespace BioDapr.Cell.Secrets;

/// <summary>
/// Puts a Dapr secret store's secrets into <see cref="IConfiguration"/> (read once, at startup, through
/// <see cref="DaprClient"/>): the part of Dapr.Extensions.Configuration a cell needs, written here because that
/// package is not available.
/// </summary>
public static class DaprSecretStoreConfigurationExtensions
{
    /// <summary>
    /// Adds the secrets of <paramref name="storeName"/> (all of them, or only <paramref name="secretNames"/>). A secret
    /// named <c>Db__Password</c> becomes the key <c>Db:Password</c>; a secret with several values becomes a section.
    /// The sidecar address and token come from the environment, as <see cref="DaprClientBuilder"/> reads them.
    /// </summary>
    public static IConfigurationBuilder AddDaprSecretStore(this IConfigurationBuilder builder, string storeName, IReadOnlyList<string>? secretNames = null, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new Source(new DaprSecretStoreOptions { StoreName = storeName, SecretNames = secretNames ?? [], Optional = optional }, null));
    }

    /// <summary>Like the other overload, with every option and the client to use (<paramref name="createClient"/>: the provider disposes it).</summary>
    public static IConfigurationBuilder AddDaprSecretStore(this IConfigurationBuilder builder, DaprSecretStoreOptions options, Func<DaprClient>? createClient)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.StoreName);
        return builder.Add(new Source(options, createClient));
    }

    private static DaprClient DefaultClient() => new DaprClientBuilder().Build();

    private sealed class Source(DaprSecretStoreOptions options, Func<DaprClient>? createClient) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new DaprSecretStoreConfigurationProvider(options, createClient ?? DefaultClient);
    }
}
