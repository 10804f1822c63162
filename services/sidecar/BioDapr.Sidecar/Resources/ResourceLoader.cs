using BioDapr.Sidecar.Resiliency;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Loads Components, Subscriptions and Resiliency documents from the <c>--resources-path</c> directories,
/// as daprd does in standalone mode:
/// <list type="bullet">
/// <item>every <c>*.yaml</c>/<c>*.yml</c> file directly in each directory (not subdirectories), in file-name order;
/// other files are skipped with a warning;</item>
/// <item>every document of a file (separated by <c>---</c>) for Components and Subscriptions, loaded only when
/// <c>apiVersion</c> and <c>kind</c> match exactly (<c>dapr.io/v1alpha1</c> Component; <c>dapr.io/v1alpha1</c>
/// or <c>dapr.io/v2alpha1</c> Subscription); other documents are ignored;</item>
/// <item>Resiliency: only the first document of each file, recognised by <c>kind</c> alone (daprd's startup
/// loader does not look at <c>apiVersion</c>; a different one is loaded with a warning);</item>
/// <item>a resource with non-empty <c>scopes</c> that does not list the app id is skipped; two components
/// with the same name are an error even when one of them is out of scope.</item>
/// </list>
/// Where daprd logs a bad file and carries on, this loader throws a <see cref="ResourceLoadException"/>
/// naming the file, document, line and problem: a development sidecar should not start half-configured.
/// Resource keys match case-insensitively, as daprd's JSON decoding does.
/// </summary>
internal static class ResourceLoader
{
    public const string ComponentKind = "Component";
    public const string SubscriptionKind = "Subscription";
    public const string ResiliencyKind = "Resiliency";

    /// <summary>
    /// Loads the resources for <paramref name="appId"/> from <paramref name="resourcesPaths"/>, in order;
    /// a null app id loads every resource whatever its scopes (for tools that translate resource files).
    /// </summary>
    /// <exception cref="ResourceLoadException">A directory is missing, a file cannot be parsed, or a document is invalid.</exception>
    public static LoadedResources Load(IReadOnlyList<string> resourcesPaths, string? appId)
    {
        ArgumentNullException.ThrowIfNull(resourcesPaths);

        var warnings = new List<string>();
        var components = new List<ComponentDefinition>();
        var subscriptions = new List<SubscriptionDefinition>();
        var resiliencies = new List<(ResiliencyDefinition Definition, List<ResiliencyDocumentReader.PolicyReference> References)>();
        var componentFiles = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var directory in resourcesPaths)
        {
            foreach (var file in ListYamlFiles(directory, warnings))
            {
                var documents = YamlFile.ParseDocuments(file, YamlFile.ReadText(file));
                for (var index = 0; index < documents.Count; index++)
                {
                    var node = documents[index];
                    if (node is null)
                    {
                        continue;
                    }

                    var source = new YamlSource(file, index + 1, caseInsensitiveKeys: true);
                    var root = new YamlElement(node, "", source);
                    if (!root.IsMapping)
                    {
                        throw root.Fail("a resource document must be a mapping with apiVersion, kind, metadata and spec");
                    }

                    var kind = root["kind"].AsStringOrEmpty();
                    var apiVersion = root["apiVersion"].AsStringOrEmpty();
                    source.Kind = kind;
                    switch (kind)
                    {
                        case ComponentKind when apiVersion == "dapr.io/v1alpha1":
                            var component = ComponentDocumentReader.Read(root, warnings);
                            if (componentFiles.TryGetValue(component.Name, out var firstFile))
                            {
                                throw root["metadata"]["name"].Fail($"duplicate definition of Component name {component.Name}: it is already defined in {firstFile}");
                            }

                            componentFiles[component.Name] = file;
                            if (InScope(component.Scopes, appId))
                            {
                                components.Add(component);
                            }

                            break;
                        case SubscriptionKind when apiVersion is SubscriptionDocumentReader.V1Alpha1 or SubscriptionDocumentReader.V2Alpha1:
                            var subscription = SubscriptionDocumentReader.Read(root, apiVersion, warnings);
                            if (InScope(subscription.Scopes, appId))
                            {
                                subscriptions.Add(subscription);
                            }

                            break;
                        case ResiliencyKind when index == 0:
                            if (apiVersion != ResiliencyDocumentReader.ApiVersion)
                            {
                                warnings.Add(root["apiVersion"].Locate($"Resiliency has apiVersion \"{apiVersion}\"; daprd expects {ResiliencyDocumentReader.ApiVersion} (loaded anyway, as daprd's startup loader does, but a hot reload would skip it)"));
                            }

                            var references = new List<ResiliencyDocumentReader.PolicyReference>();
                            var resiliency = ResiliencyDocumentReader.Read(root, references);
                            if (InScope(resiliency.Scopes, appId))
                            {
                                resiliencies.Add((resiliency, references));
                            }

                            break;
                        case ResiliencyKind:
                            warnings.Add(root.Locate("Resiliency ignored: daprd reads only the first document of a file for Resiliency; move it to its own file"));
                            break;
                        case ComponentKind or SubscriptionKind:
                            warnings.Add(root.Locate($"{kind} ignored: apiVersion \"{apiVersion}\" is not one daprd loads for this kind"));
                            break;
                        case "HTTPEndpoint" or "MCPServer" or "WorkflowAccessPolicy":
                            warnings.Add(root.Locate($"{kind} ignored: the development sidecar does not support this resource kind"));
                            break;
                    }
                }
            }
        }

        CheckPolicyReferences(resiliencies);
        return new LoadedResources(components, subscriptions, resiliencies.Select(r => r.Definition).ToList(), warnings);
    }

    private static bool InScope(IReadOnlyList<string> scopes, string? appId) => appId is null || scopes.Count == 0 || scopes.Contains(appId);

    private static List<string> ListYamlFiles(string directory, List<string> warnings)
    {
        if (!Directory.Exists(directory))
        {
            throw new ResourceLoadException(
                File.Exists(directory)
                    ? $"resources path '{directory}' is a file; --resources-path takes a directory"
                    : $"resources path '{directory}' does not exist",
                directory);
        }

        string[] entries;
        try
        {
            entries = Directory.GetFiles(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ResourceLoadException($"resources path '{directory}' cannot be read: {e.Message}", directory, inner: e);
        }

        var files = new List<string>();
        foreach (var file in entries.Order(StringComparer.Ordinal))
        {
            var extension = Path.GetExtension(file);
            if (extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase))
            {
                files.Add(file);
            }
            else
            {
                warnings.Add($"{file}: not a YAML file (.yaml or .yml), so it is not loaded");
            }
        }

        return files;
    }

    // daprd merges every Resiliency in scope into one set of policies, so a target may name a policy from another file.
    private static void CheckPolicyReferences(List<(ResiliencyDefinition Definition, List<ResiliencyDocumentReader.PolicyReference> References)> resiliencies)
    {
        var timeouts = resiliencies.SelectMany(r => r.Definition.Timeouts.Keys).ToHashSet(StringComparer.Ordinal);
        var retries = resiliencies.SelectMany(r => r.Definition.Retries.Keys).Concat(BuiltInRetryPolicies.Names).ToHashSet(StringComparer.Ordinal);
        var breakers = resiliencies.SelectMany(r => r.Definition.CircuitBreakers.Keys).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in resiliencies.SelectMany(r => r.References))
        {
            var (known, section) = reference.PolicyKind switch
            {
                "timeout" => (timeouts, "timeouts"),
                "retry" => (retries, "retries"),
                _ => (breakers, "circuitBreakers"),
            };
            if (!known.Contains(reference.PolicyName))
            {
                throw reference.Where.Fail($"{reference.PolicyKind} policy '{reference.PolicyName}' is not defined under spec.policies.{section} of any Resiliency in scope");
            }
        }
    }
}
