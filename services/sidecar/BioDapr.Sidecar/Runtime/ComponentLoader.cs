using BioDapr.Sidecar.Components;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Components.PubSub;
using BioDapr.Sidecar.Components.Secrets;
using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// Turns loaded Component documents into running components, in daprd's order: secret stores first,
/// then everything else with <c>secretKeyRef</c> (through <c>auth.secretStore</c>), <c>envRef</c> and the
/// templates (<c>{uuid}</c>, <c>{appID}</c>, <c>{namespace}</c>, <c>{podName}</c>) resolved. A failure stops
/// startup with the file, the component and the problem, unless the component sets <c>ignoreErrors</c>.
/// </summary>
internal sealed partial class ComponentLoader(SidecarSettings settings, ComponentFactory factory, ILogger logger)
{
    public async Task<ComponentStore> LoadAsync(IReadOnlyList<ComponentDefinition> definitions, CancellationToken cancellationToken)
    {
        var store = new ComponentStore();
        try
        {
            foreach (var definition in definitions.Where(d => IsSecretStore(d.Type)))
            {
                await LoadOneAsync(store, definition, cancellationToken);
            }

            foreach (var definition in definitions.Where(d => !IsSecretStore(d.Type)))
            {
                await LoadOneAsync(store, definition, cancellationToken);
            }
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }

        return store;
    }

    private async Task LoadOneAsync(ComponentStore store, ComponentDefinition definition, CancellationToken cancellationToken)
    {
        IComponent component;
        ComponentMetadata metadata;
        try
        {
            metadata = new ComponentMetadata(
                definition.Name,
                definition.Type,
                definition.Version,
                await ResolveMetadataAsync(store, definition, cancellationToken),
                settings.AppId,
                definition.SourceFile);

            using var init = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            init.CancelAfter(definition.InitTimeout > TimeSpan.Zero ? definition.InitTimeout : TimeSpan.FromSeconds(5));
            try
            {
                component = await factory.CreateAsync(metadata, init.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ComponentConfigurationException(metadata, $"initialisation did not finish within initTimeout ({definition.InitTimeout})");
            }

            Register(store, definition, metadata, component);
        }
        catch (Exception ex) when (ex is ComponentConfigurationException or SidecarStartupException && definition.IgnoreErrors)
        {
            Log.ComponentIgnored(logger, definition.Name, definition.Type, ex.Message);
            return;
        }
        catch (ComponentConfigurationException ex)
        {
            throw new SidecarStartupException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is not (SidecarStartupException or OperationCanceledException))
        {
            var message = $"{definition.SourceFile}: component '{definition.Name}' ({definition.Type}): initialisation failed: {ex.Message}";
            if (definition.IgnoreErrors)
            {
                Log.ComponentIgnored(logger, definition.Name, definition.Type, message);
                return;
            }

            throw new SidecarStartupException(message, ex);
        }

        Log.ComponentLoaded(logger, definition.Name, definition.Type);
    }

    private void Register(ComponentStore store, ComponentDefinition definition, ComponentMetadata metadata, IComponent component)
    {
        switch (component)
        {
            case IPubSub pubsub:
                var namespaced = definition.Metadata.Any(m => m.Value?.Contains("{namespace}", StringComparison.Ordinal) == true);
                store.PubSubs[definition.Name] = PubSubEntry.Create(definition.Name, pubsub, metadata.Properties, settings.AppId, namespaced ? settings.Namespace : string.Empty);
                break;
            case IStateStore state:
                var isActorStore = metadata.Properties.FirstOrDefault(p => string.Equals(p.Key, "actorStateStore", StringComparison.OrdinalIgnoreCase)).Value is { } flag
                    && GoStrconv.TryParseBool(flag, out var actorStore) && actorStore;
                if (isActorStore && store.ActorStateStore is { } existing)
                {
                    throw new ComponentConfigurationException(metadata, $"detected duplicate actor state store: '{existing.Name}' is already the actor state store");
                }

                StateKeyPrefix prefix;
                try
                {
                    prefix = StateKeyPrefix.FromMetadata(definition.Name, metadata.Properties, settings.AppId, settings.Namespace);
                }
                catch (ArgumentException ex)
                {
                    throw new ComponentConfigurationException(metadata, ex.Message);
                }

                store.StateStores[definition.Name] = new StateStoreEntry(definition.Name, state, prefix, isActorStore);
                break;
            case IConfigurationStore configuration:
                store.ConfigurationStores[definition.Name] = configuration;
                break;
            case ISecretStore secrets:
                store.SecretStores[definition.Name] = secrets;
                break;
        }

        store.All.Add(component);
    }

    private async Task<Dictionary<string, string>> ResolveMetadataAsync(ComponentStore store, ComponentDefinition definition, CancellationToken cancellationToken)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var secretCache = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var item in definition.Metadata)
        {
            string value;
            if (item.SecretKeyRef is { } reference)
            {
                var storeName = definition.AuthSecretStore;
                if (string.IsNullOrEmpty(storeName) || !store.SecretStores.TryGetValue(storeName, out var secretStore))
                {
                    throw new SidecarStartupException(
                        $"{definition.SourceFile}: component '{definition.Name}' ({definition.Type}): metadata '{item.Name}' uses secretKeyRef but "
                        + (string.IsNullOrEmpty(storeName) ? "the component has no auth.secretStore" : $"secret store '{storeName}' is not loaded"));
                }

                if (!secretCache.TryGetValue(reference.Name, out var secret))
                {
                    try
                    {
                        secret = await secretStore.GetSecretAsync(reference.Name, new Dictionary<string, string> { ["namespace"] = settings.Namespace }, cancellationToken);
                    }
                    catch (SecretNotFoundException ex)
                    {
                        throw new SidecarStartupException(
                            $"{definition.SourceFile}: component '{definition.Name}' ({definition.Type}): metadata '{item.Name}': {ex.Message} in secret store '{storeName}'", ex);
                    }

                    secretCache[reference.Name] = secret;
                }

                var key = string.IsNullOrEmpty(reference.Key) ? reference.Name : reference.Key;
                value = secret.TryGetValue(key, out var found) ? found : string.Empty;
            }
            else if (item.Value is null && item.EnvRef is { } envRef)
            {
                if (!Resources.ComponentDocumentReader.IsEnvironmentVariableAllowed(envRef))
                {
                    Log.EnvRefNotAllowed(logger, definition.Name, envRef);
                    value = string.Empty;
                }
                else
                {
                    value = settings.GetEnvironmentVariable(envRef) ?? string.Empty;
                }
            }
            else
            {
                value = item.Value ?? string.Empty;
            }

            properties[item.Name] = ExpandTemplates(definition, item.Name, value);
        }

        return properties;
    }

    private string ExpandTemplates(ComponentDefinition definition, string name, string value)
    {
        while (value.Contains("{uuid}", StringComparison.Ordinal))
        {
            var index = value.IndexOf("{uuid}", StringComparison.Ordinal);
            value = string.Concat(value.AsSpan(0, index), Guid.NewGuid().ToString(), value.AsSpan(index + "{uuid}".Length));
        }

        if (value.Contains("{podName}", StringComparison.Ordinal))
        {
            throw new SidecarStartupException(
                $"{definition.SourceFile}: component '{definition.Name}' ({definition.Type}): property {name} refers to {{podName}} but podName is not set (standalone mode)");
        }

        return value
            .Replace("{namespace}", settings.Namespace + "." + settings.AppId, StringComparison.Ordinal)
            .Replace("{appID}", settings.AppId, StringComparison.Ordinal);
    }

    private static bool IsSecretStore(string type) => type.StartsWith("secretstores.", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Component loaded: {Name} ({Type})")]
        public static partial void ComponentLoaded(ILogger logger, string name, string type);

        [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Component {Name} ({Type}) failed and is ignored (ignoreErrors: true): {Reason}")]
        public static partial void ComponentIgnored(ILogger logger, string name, string type, string reason);

        [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Component {Name} references an env variable that isn't allowed: {EnvRef}")]
        public static partial void EnvRefNotAllowed(ILogger logger, string name, string envRef);
    }
}
