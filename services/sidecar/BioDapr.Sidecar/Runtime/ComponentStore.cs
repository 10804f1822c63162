using BioDapr.Sidecar.Components;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Components.Secrets;

namespace BioDapr.Sidecar.Runtime;

/// <summary>Every component the sidecar loaded, by building block and name (daprd's component store).</summary>
internal sealed class ComponentStore : IAsyncDisposable
{
    public Dictionary<string, PubSubEntry> PubSubs { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, StateStoreEntry> StateStores { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, IConfigurationStore> ConfigurationStores { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ISecretStore> SecretStores { get; } = new(StringComparer.Ordinal);

    /// <summary>All components in load order (for metadata and disposal).</summary>
    public List<IComponent> All { get; } = [];

    /// <summary>The store marked <c>actorStateStore: "true"</c>, if any.</summary>
    public StateStoreEntry? ActorStateStore => StateStores.Values.FirstOrDefault(s => s.IsActorStateStore);

    public async ValueTask DisposeAsync()
    {
        for (var i = All.Count - 1; i >= 0; i--)
        {
            try
            {
                await All[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Shutting down: a component that fails to close must not stop the others from closing.
            }
        }

        All.Clear();
    }
}
