using YamlDotNet.RepresentationModel;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Loads the <c>--config</c> files as daprd does in standalone mode: each file has <c>$VAR</c>/<c>${VAR}</c>
/// expanded from the environment, only its first YAML document is read, <c>apiVersion</c> and <c>kind</c> are
/// not checked, and the files are merged in order onto the defaults (mappings merge key by key, lists and
/// values replace). Keys are case-sensitive here, as in daprd's YAML decoding of Configuration. The OTEL_*
/// environment variables fill in the OTLP exporter when no <c>otel.endpointAddress</c> is configured.
/// </summary>
internal static class SidecarConfigurationLoader
{
    /// <summary>Loads and merges <paramref name="configFiles"/>; an empty list gives the defaults.</summary>
    /// <exception cref="ResourceLoadException">A file is missing, is not valid YAML or has an invalid setting.</exception>
    public static SidecarConfiguration Load(IReadOnlyList<string> configFiles, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(configFiles);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);

        var merged = new YamlMappingNode();
        var origins = new Dictionary<YamlNode, YamlSource>(ReferenceEqualityComparer.Instance);
        foreach (var file in configFiles)
        {
            if (!File.Exists(file))
            {
                throw new ResourceLoadException(
                    Directory.Exists(file) ? $"config file '{file}' is a directory; --config takes a file" : $"config file '{file}' does not exist",
                    file);
            }

            var text = EnvironmentExpander.Expand(YamlFile.ReadText(file), getEnvironmentVariable);
            var documents = YamlFile.ParseDocuments(file, text);
            if (documents.Count == 0 || documents[0] is null)
            {
                continue;
            }

            var source = new YamlSource(file, 1, caseInsensitiveKeys: false) { Kind = "Configuration" };
            if (documents[0] is not YamlMappingNode root)
            {
                throw new YamlElement(documents[0], "", source).Fail("a Configuration must be a mapping with apiVersion, kind, metadata and spec");
            }

            source.Name = (new YamlElement(root, "", source)["metadata"]["name"].Node as YamlScalarNode)?.Value;
            Register(root, source, origins);
            Merge(merged, root);
        }

        return Interpret(merged, origins, configFiles, getEnvironmentVariable);
    }

    private static void Register(YamlNode node, YamlSource source, Dictionary<YamlNode, YamlSource> origins)
    {
        origins[node] = source;
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    origins[key] = source;
                    Register(value, source, origins);
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    Register(item, source, origins);
                }

                break;
        }
    }

    // Later files win: mappings merge recursively, everything else (including lists) is replaced.
    private static void Merge(YamlMappingNode target, YamlMappingNode source)
    {
        foreach (var (key, value) in source.Children)
        {
            if (value is YamlMappingNode sourceChild && target.Children.TryGetValue(key, out var existing) && existing is YamlMappingNode targetChild)
            {
                var copy = new YamlMappingNode();
                Merge(copy, targetChild);
                Merge(copy, sourceChild);
                target.Children[key] = copy;
            }
            else
            {
                target.Children[key] = value;
            }
        }
    }

    private static SidecarConfiguration Interpret(
        YamlMappingNode merged,
        Dictionary<YamlNode, YamlSource> origins,
        IReadOnlyList<string> files,
        Func<string, string?> env)
    {
        var fallbackSource = new YamlSource(files.Count > 0 ? files[^1] : "(defaults)", 1, caseInsensitiveKeys: false) { Kind = "Configuration" };
        YamlElement At(YamlElement parent, string key)
        {
            var child = parent[key];
            // Point errors at the file a node came from; merged mappings are new nodes, so fall back to the last file.
            return child.Node is not null && origins.TryGetValue(child.Node, out var source) && source != child.Source
                ? new YamlElement(child.Node, child.Path, source, child.Parent)
                : child;
        }

        var root = new YamlElement(merged, "", fallbackSource);
        var spec = At(root, "spec");
        var warnings = new List<string>();

        var tracing = At(spec, "tracing");
        var otel = At(tracing, "otel");
        var tracingSettings = new TracingSettings(
            At(tracing, "samplingRate").AsStringOrEmpty(),
            At(tracing, "stdout").AsBool() ?? false,
            NullIfEmpty(At(At(tracing, "zipkin"), "endpointAddress").AsString()),
            new OtelSettings(
                NullIfEmpty(At(otel, "endpointAddress").AsString()),
                NullIfEmpty(At(otel, "protocol").AsString()),
                At(otel, "isSecure").AsBool() ?? true));
        tracingSettings = ApplyOtelEnvironment(tracingSettings, env);

        var features = new Dictionary<string, bool>(SidecarConfiguration.DefaultFeatures, StringComparer.Ordinal);
        foreach (var feature in At(spec, "features").Items())
        {
            var name = At(feature, "name").AsStringOrEmpty();
            if (name.Length > 0)
            {
                features[name] = At(feature, "enabled").AsBool() ?? false;
            }
        }

        var scopes = new List<SecretsScope>();
        foreach (var scope in At(At(spec, "secrets"), "scopes").Items())
        {
            var storeName = At(scope, "storeName").AsStringOrEmpty();
            if (scopes.Exists(s => s.StoreName == storeName))
            {
                throw At(scope, "storeName").Fail($"{storeName} storeName is repeated in secrets configuration");
            }

            var access = At(scope, "defaultAccess");
            var defaultAccess = access.AsStringOrEmpty();
            if (defaultAccess.Length > 0 && !defaultAccess.Equals("allow", StringComparison.OrdinalIgnoreCase) && !defaultAccess.Equals("deny", StringComparison.OrdinalIgnoreCase))
            {
                throw access.Fail($"defaultAccess {defaultAccess} can be either allow or deny");
            }

            scopes.Add(new SecretsScope(storeName, defaultAccess, At(scope, "allowedSecrets").AsStringList(), At(scope, "deniedSecrets").AsStringList()));
        }

        var metricsEnabled = At(At(spec, "metric"), "enabled").AsBool() ?? true;
        if (At(At(spec, "metrics"), "enabled").AsBool() is { } metricsOverride)
        {
            metricsEnabled = metricsOverride;
        }

        var apiLogging = At(At(spec, "logging"), "apiLogging");
        CollectUnenforced(spec, At, warnings);
        var accessControl = ReadAccessControl(At(spec, "accessControl"), At);

        return new SidecarConfiguration
        {
            Tracing = tracingSettings,
            Features = features,
            SecretScopes = scopes,
            AccessControl = accessControl,
            MetricsEnabled = metricsEnabled,
            ApiLoggingEnabled = At(apiLogging, "enabled").AsBool() ?? false,
            ApiLoggingObfuscateUrls = At(apiLogging, "obfuscateURLs").AsBool() ?? false,
            ApiLoggingOmitHealthChecks = At(apiLogging, "omitHealthChecks").AsBool() ?? false,
            SourceFiles = [.. files],
            Warnings = warnings,
        };
    }

    // spec.accessControl, validated as daprd does at startup (an app policy without appId, trustDomain or namespace is fatal).
    private static AccessControlSpec? ReadAccessControl(YamlElement accessControl, Func<YamlElement, string, YamlElement> at)
    {
        if (accessControl.IsNull)
        {
            return null;
        }

        var policiesElement = at(accessControl, "policies");
        List<AppPolicySpec>? policies = null;
        if (!policiesElement.IsNull)
        {
            policies = [];
            foreach (var policy in policiesElement.Items())
            {
                var operations = at(policy, "operations").Items()
                    .Select(o => new AppOperationSpec(at(o, "name").AsStringOrEmpty(), at(o, "httpVerb").AsStringList(), at(o, "action").AsStringOrEmpty()))
                    .ToList();
                policies.Add(new AppPolicySpec(
                    at(policy, "appId").AsStringOrEmpty(),
                    at(policy, "defaultAction").AsStringOrEmpty(),
                    at(policy, "trustDomain").AsStringOrEmpty(),
                    at(policy, "namespace").AsStringOrEmpty(),
                    operations));
            }
        }

        var spec = new AccessControlSpec(at(accessControl, "defaultAction").AsStringOrEmpty(), at(accessControl, "trustDomain").AsStringOrEmpty(), policies);
        try
        {
            // Validated here so a bad spec stops startup with the file named; the runtime builds its own (HTTP) policy.
            _ = Security.AccessControlPolicy.Create(spec, isHttp: true);
        }
        catch (InvalidOperationException ex)
        {
            throw accessControl.Fail(ex.Message);
        }

        return spec;
    }

    private static void CollectUnenforced(YamlElement spec, Func<YamlElement, string, YamlElement> at, List<string> warnings)
    {
        var nameResolution = at(spec, "nameResolution");
        if (!nameResolution.IsNull && at(nameResolution, "component").AsString() is { Length: > 0 } resolver)
        {
            warnings.Add(nameResolution.Locate($"nameResolution component '{resolver}' is not used: the development sidecar resolves app ids through its own directory of running sidecars"));
        }

        foreach (var pipeline in new[] { "httpPipeline", "appHttpPipeline" })
        {
            var handlers = at(at(spec, pipeline), "handlers");
            if (handlers.Items().Count > 0)
            {
                warnings.Add(handlers.Locate($"{pipeline} middleware is not applied by the development sidecar"));
            }
        }

        var api = at(spec, "api");
        if (at(api, "allowed").Items().Count > 0 || at(api, "denied").Items().Count > 0)
        {
            warnings.Add(api.Locate("api allow/deny lists are not enforced by the development sidecar; every API is available"));
        }

        var mtls = at(spec, "mtls");
        if (at(mtls, "enabled").AsBool() == true)
        {
            warnings.Add(mtls.Locate("mtls.enabled is ignored: the development sidecar does not use mTLS; under run -f its sidecars authenticate each other with the run's secret instead"));
        }
    }

    private static TracingSettings ApplyOtelEnvironment(TracingSettings tracing, Func<string, string?> env)
    {
        if (tracing.Otel.EndpointAddress is not null)
        {
            return tracing;
        }

        var endpoint = NullIfEmpty(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) ?? NullIfEmpty(env("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (endpoint is null)
        {
            return tracing;
        }

        if (endpoint.StartsWith("http://", StringComparison.Ordinal))
        {
            endpoint = endpoint["http://".Length..];
        }

        if (endpoint.StartsWith("https://", StringComparison.Ordinal))
        {
            endpoint = endpoint["https://".Length..];
        }

        var protocol = NullIfEmpty(env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")) ?? env("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "";
        var isSecure = env("OTEL_EXPORTER_OTLP_INSECURE") == "true" ? false : tracing.Otel.IsSecure;
        return tracing with
        {
            SamplingRate = tracing.SamplingRate.Length == 0 ? "1" : tracing.SamplingRate,
            Otel = new OtelSettings(endpoint, protocol.StartsWith("http", StringComparison.Ordinal) ? "http" : "grpc", isSecure),
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
