using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Resources;

/// <summary>Reads and validates one <c>kind: Component</c> document.</summary>
internal static class ComponentDocumentReader
{
    public static ComponentDefinition Read(YamlElement root, List<string> warnings)
    {
        var name = ResourceNames.ReadName(root);
        var spec = root["spec"];

        var typeElement = spec["type"];
        var type = typeElement.AsStringOrEmpty();
        var dot = type.IndexOf('.', StringComparison.Ordinal);
        if (type.Length == 0)
        {
            throw typeElement.Fail("is required (for example state.redis)");
        }

        if (dot <= 0 || dot == type.Length - 1)
        {
            throw typeElement.Fail($"\"{type}\" must have the form <building block>.<name>, for example state.redis or pubsub.redis");
        }

        var versionElement = spec["version"];
        var version = versionElement.AsStringOrEmpty();
        if (version.Length == 0)
        {
            throw versionElement.Fail("is required (usually v1)");
        }

        var initTimeout = ComponentDefinition.DefaultInitTimeout;
        var initTimeoutElement = spec["initTimeout"];
        if (initTimeoutElement.AsString() is { Length: > 0 } initTimeoutText)
        {
            if (GoDuration.TryParse(initTimeoutText, out var parsed))
            {
                initTimeout = parsed;
            }
            else
            {
                // daprd silently falls back to the default here; say so instead.
                warnings.Add(initTimeoutElement.Locate($"\"{initTimeoutText}\" is not a Go duration; using the default of 5s"));
            }
        }

        var metadata = new List<ComponentMetadataItem>();
        foreach (var item in spec["metadata"].Items())
        {
            metadata.Add(ReadMetadataItem(item, warnings));
        }

        var authSecretStore = root["auth"]["secretStore"].AsString();
        return new ComponentDefinition(
            name,
            type,
            version,
            spec["ignoreErrors"].AsBool() ?? false,
            initTimeout,
            metadata,
            string.IsNullOrEmpty(authSecretStore) ? null : authSecretStore,
            root["scopes"].AsStringList(),
            root.Source.FilePath);
    }

    private static ComponentMetadataItem ReadMetadataItem(YamlElement item, List<string> warnings)
    {
        if (!item.IsMapping)
        {
            throw item.Fail("each metadata entry must be a mapping with 'name' and one of 'value', 'secretKeyRef' or 'envRef'");
        }

        var nameElement = item["name"];
        var name = nameElement.AsStringOrEmpty();
        if (name.Length == 0)
        {
            throw nameElement.Fail("is required for every metadata entry");
        }

        var valueElement = item["value"];
        var secretElement = item["secretKeyRef"];
        var envElement = item["envRef"];
        var hasValue = valueElement.Node is not null;
        var hasSecret = !secretElement.IsNull;
        var envRef = envElement.AsString();
        var hasEnv = !string.IsNullOrEmpty(envRef);
        var count = (hasValue ? 1 : 0) + (hasSecret ? 1 : 0) + (hasEnv ? 1 : 0);
        if (count != 1)
        {
            throw item.Fail(count == 0
                ? $"metadata '{name}' needs one of 'value', 'secretKeyRef' or 'envRef'"
                : $"metadata '{name}' must have exactly one of 'value', 'secretKeyRef' or 'envRef'");
        }

        if (hasSecret)
        {
            var secretName = secretElement["name"].AsStringOrEmpty();
            if (secretName.Length == 0)
            {
                throw secretElement["name"].Fail($"is required in the secretKeyRef of metadata '{name}'");
            }

            var key = secretElement["key"].AsString();
            return new ComponentMetadataItem(name, null, new SecretKeyRef(secretName, string.IsNullOrEmpty(key) ? secretName : key), null);
        }

        if (hasEnv)
        {
            if (!IsEnvironmentVariableAllowed(envRef!))
            {
                warnings.Add(envElement.Locate($"envRef '{envRef}' is not allowed (APP_API_TOKEN, DAPR_*, BIODAPR_SIDECAR_SECRET and names with spaces are refused); the value will be empty"));
            }

            return new ComponentMetadataItem(name, null, null, envRef);
        }

        return new ComponentMetadataItem(name, valueElement.IsNull ? "" : valueElement.AsRawText(), null, null);
    }

    /// <summary>
    /// daprd's deny list for <c>envRef</c> (case-insensitive): APP_API_TOKEN, anything starting with DAPR_,
    /// names with spaces; and the run's internal-channel secret.
    /// </summary>
    public static bool IsEnvironmentVariableAllowed(string name)
    {
        var upper = name.ToUpperInvariant();
        return upper.Length > 0
            && upper != "APP_API_TOKEN"
            && upper != Security.PeerAuthenticator.SecretVariable
            && !upper.StartsWith("DAPR_", StringComparison.Ordinal)
            && !upper.Contains(' ', StringComparison.Ordinal);
    }
}
