using System.Text.Json;
using System.Text.Json.Nodes;
using BioDapr.Sidecar.Resources;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Deployment;

/// <summary>
/// Translates <c>dapr.io/v1alpha1</c> Components into Azure Container Apps' Dapr component schema
/// (<c>Microsoft.App/managedEnvironments/daprComponents</c>): <c>spec.type</c> becomes
/// <c>componentType</c>; version, init timeout and ignore-errors move to the top level; a
/// <c>secretKeyRef</c> becomes <c>secretRef</c> with <c>secretStoreComponent</c> (the component's
/// <c>auth.secretStore</c>); scopes stay app ids. An <c>envRef</c> has no ACA equivalent: it is
/// resolved from <c>values</c> when given, otherwise kept as <c>{"name","envRef"}</c> for the Bicep
/// module to fill from deployed resources. Components ACA cannot run (the local file and environment
/// secret stores, the Kubernetes secret store) are refused with the file named.
/// </summary>
internal static class AcaComponentTranslator
{
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "secretstores.local.file", "secretstores.local.env", "secretstores.kubernetes",
    };

    /// <summary>Translates every component under <paramref name="resourcesPaths"/>, in load order.</summary>
    /// <exception cref="AcaTranslationException">A component cannot run on ACA, or an envRef has no value when <paramref name="values"/> is given.</exception>
    public static IReadOnlyList<AcaComponent> Translate(IReadOnlyList<string> resourcesPaths, IReadOnlyDictionary<string, string>? values)
    {
        var loaded = ResourceLoader.Load(resourcesPaths, appId: null);
        return loaded.Components.Select(c => Translate(c, values)).ToList();
    }

    /// <summary>Translates one component.</summary>
    public static AcaComponent Translate(ComponentDefinition component, IReadOnlyDictionary<string, string>? values)
    {
        ArgumentNullException.ThrowIfNull(component);
        if (Unsupported.Contains(component.Type))
        {
            throw new AcaTranslationException($"{component.SourceFile}: component '{component.Name}' is {component.Type}, which Azure Container Apps does not support; use secretstores.azure.keyvault (or the platform's secrets) in the Azure component set");
        }

        var properties = new JsonObject
        {
            ["componentType"] = component.Type,
            ["version"] = component.Version,
        };
        if (component.IgnoreErrors)
        {
            properties["ignoreErrors"] = true;
        }

        if (component.InitTimeout != ComponentDefinition.DefaultInitTimeout)
        {
            properties["initTimeout"] = GoDuration.Format(component.InitTimeout);
        }

        var metadata = new JsonArray();
        var usesSecrets = false;
        foreach (var item in component.Metadata)
        {
            if (item.SecretKeyRef is { } secret)
            {
                if (component.AuthSecretStore is null)
                {
                    throw new AcaTranslationException($"{component.SourceFile}: component '{component.Name}': metadata '{item.Name}' uses secretKeyRef but the component has no auth.secretStore; ACA needs a secretStoreComponent to resolve it");
                }

                // ACA resolves secretRef by name in the secret store component; a secret's key inside
                // a multi-valued secret has no equivalent, so the key must be the secret's name.
                if (!string.IsNullOrEmpty(secret.Key) && secret.Key != secret.Name)
                {
                    throw new AcaTranslationException($"{component.SourceFile}: component '{component.Name}': metadata '{item.Name}' reads key '{secret.Key}' of secret '{secret.Name}'; ACA's secretRef names a whole secret, so use a secret whose name is the value you need");
                }

                metadata.Add(new JsonObject { ["name"] = item.Name, ["secretRef"] = secret.Name });
                usesSecrets = true;
            }
            else if (item.EnvRef is { } variable)
            {
                if (values is null)
                {
                    metadata.Add(new JsonObject { ["name"] = item.Name, ["envRef"] = variable });
                }
                else
                {
                    metadata.Add(new JsonObject
                    {
                        ["name"] = item.Name,
                        ["value"] = values.TryGetValue(variable, out var value)
                            ? value
                            : throw new AcaTranslationException($"{component.SourceFile}: component '{component.Name}': metadata '{item.Name}' reads the environment variable {variable}, which the values file does not set"),
                    });
                }
            }
            else
            {
                metadata.Add(new JsonObject { ["name"] = item.Name, ["value"] = item.Value ?? string.Empty });
            }
        }

        properties["metadata"] = metadata;
        if (usesSecrets)
        {
            properties["secretStoreComponent"] = component.AuthSecretStore;
        }

        if (component.Scopes.Count > 0)
        {
            properties["scopes"] = new JsonArray([.. component.Scopes.Select(s => (JsonNode)JsonValue.Create(s)!)]);
        }

        return new AcaComponent(component.Name, Path.GetFileName(component.SourceFile), properties);
    }

    /// <summary>The Bicep input: <c>[{"name": …, "properties": {…}}]</c>, indented, with a trailing newline.</summary>
    public static string ToJson(IEnumerable<AcaComponent> components)
    {
        var array = new JsonArray([.. components.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["properties"] = c.Properties.DeepClone() })]);
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>One component as <c>az containerapp env dapr-component set --yaml</c> takes it (flat YAML).</summary>
    public static string ToYaml(AcaComponent component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var writer = new System.Text.StringBuilder();
        writer.Append("# ").Append(component.Name).Append(": translated from ").Append(component.SourceFile).Append(" by `biodapr aca-components`\n");
        foreach (var (key, value) in component.Properties)
        {
            switch (value)
            {
                case JsonArray array when key == "metadata":
                    writer.Append("metadata:\n");
                    foreach (var item in array.OfType<JsonObject>())
                    {
                        var first = true;
                        foreach (var (field, fieldValue) in item)
                        {
                            writer.Append(first ? "  - " : "    ").Append(field).Append(": ").Append(Quote(fieldValue!.ToString())).Append('\n');
                            first = false;
                        }
                    }

                    break;
                case JsonArray array:
                    writer.Append(key).Append(": [").Append(string.Join(", ", array.Select(v => Quote(v!.ToString())))).Append("]\n");
                    break;
                default:
                    writer.Append(key).Append(": ").Append(value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? Quote(v.ToString()) : value!.ToJsonString()).Append('\n');
                    break;
            }
        }

        return writer.ToString();
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text);
}

/// <summary>A translated component.</summary>
/// <param name="Name">The Dapr component name (the ARM resource name).</param>
/// <param name="SourceFile">The file it came from.</param>
/// <param name="Properties">The ACA <c>properties</c> object.</param>
internal sealed record AcaComponent(string Name, string SourceFile, JsonObject Properties);

/// <summary>A component cannot be translated for ACA; the message names the file, component and reason.</summary>
internal sealed class AcaTranslationException(string message) : Exception(message);
