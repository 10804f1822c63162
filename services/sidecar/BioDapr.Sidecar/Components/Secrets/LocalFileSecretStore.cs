using System.Text.Json;

namespace BioDapr.Sidecar.Components.Secrets;

/// <summary>
/// <c>secretstores.local.file</c>: secrets from a JSON file, read once when the component is created.
/// <list type="bullet">
/// <item><c>secretsFile</c> (required): the file; a relative path is taken from the process working
/// directory, as daprd opens it (in a multi-app run that is the app's directory).</item>
/// <item><c>nestedSeparator</c> (default <c>:</c>): joins the names of nested objects and array indexes.</item>
/// <item><c>multiValued</c> (default false): when false the whole document is flattened and each flat
/// key is a secret <c>{key: value}</c>; when true each top-level key is a secret, a string as
/// <c>{name: value}</c> and an object flattened into its key/value pairs (other top-level values are
/// skipped, as Dapr does).</item>
/// </list>
/// Leaves are rendered as Dapr renders them (see <see cref="LocalFileSecretValueFormatter"/>).
/// </summary>
internal sealed class LocalFileSecretStore : ISecretStore
{
    /// <summary>The component type.</summary>
    public const string ComponentType = "secretstores.local.file";

    /// <summary>The default of <c>nestedSeparator</c>.</summary>
    public const string DefaultNestedSeparator = ":";

    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _secrets = new(StringComparer.Ordinal);

    /// <param name="metadata">The component and its metadata.</param>
    /// <param name="workingDirectory">What a relative <c>secretsFile</c> is relative to; the process working directory when null.</param>
    public LocalFileSecretStore(ComponentMetadata metadata, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Name = metadata.Name;
        Type = metadata.Type;
        Version = metadata.Version;

        var file = metadata.GetRequired("secretsFile");
        var separator = metadata.Get("nestedSeparator") ?? DefaultNestedSeparator;
        var multiValued = IsTruthy(metadata.Get("multiValued"));
        SecretsFile = Path.GetFullPath(file, workingDirectory ?? Directory.GetCurrentDirectory());
        Capabilities = multiValued ? ["MULTIPLE_KEY_VALUES_PER_SECRET"] : [];

        using var document = ReadDocument(metadata, SecretsFile);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ComponentConfigurationException(metadata, $"secretsFile '{SecretsFile}' must hold a JSON object, but holds a JSON {root.ValueKind.ToString().ToLowerInvariant()}");
        }

        try
        {
            Load(root, separator, multiValued);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ComponentConfigurationException(metadata, $"secretsFile '{SecretsFile}' has a number out of range: {ex.Message}", ex);
        }
    }

    public string Name { get; }

    public string Type { get; }

    public string Version { get; }

    public IReadOnlyList<string> Capabilities { get; }

    /// <summary>The absolute path of the file the secrets were read from.</summary>
    public string SecretsFile { get; }

    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(
        string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        return _secrets.TryGetValue(name, out var secret)
            ? Task.FromResult(secret)
            : throw new SecretNotFoundException(name);
    }

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretsAsync(
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(
            new Dictionary<string, IReadOnlyDictionary<string, string>>(_secrets, StringComparer.Ordinal));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static JsonDocument ReadDocument(ComponentMetadata metadata, string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ComponentConfigurationException(metadata, $"secretsFile '{path}' could not be read: {ex.Message}", ex);
        }

        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new ComponentConfigurationException(metadata, $"secretsFile '{path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    private void Load(JsonElement root, string separator, bool multiValued)
    {
        foreach (var (name, value) in Properties(root))
        {
            if (!multiValued)
            {
                var flat = new Dictionary<string, string>(StringComparer.Ordinal);
                Flatten(value, name, separator, flat);
                foreach (var (key, text) in flat)
                {
                    _secrets.TryAdd(key, new Dictionary<string, string> { [key] = text });
                }
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                _secrets[name] = new Dictionary<string, string> { [name] = value.GetString()! };
            }
            else if (value.ValueKind == JsonValueKind.Object)
            {
                var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, nested) in Properties(value))
                {
                    Flatten(nested, key, separator, pairs);
                }

                _secrets[name] = pairs;
            }
        }
    }

    /// <summary>
    /// Adds every leaf under <paramref name="element"/> with its path. When two paths flatten to the same
    /// key (<c>"a:b"</c> next to <c>{"a":{"b":…}}</c>) the first one wins; Dapr rejects the duplicate and
    /// stops flattening at a point that depends on Go's random map order.
    /// </summary>
    private static void Flatten(JsonElement element, string path, string separator, Dictionary<string, string> target)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var (name, value) in Properties(element))
                {
                    Flatten(value, path + separator + name, separator, target);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, path + separator + index.ToString(System.Globalization.CultureInfo.InvariantCulture), separator, target);
                    index++;
                }

                break;
            default:
                target.TryAdd(path, LocalFileSecretValueFormatter.Format(element));
                break;
        }
    }

    /// <summary>The properties of an object; a name that repeats keeps its last value, as Go's decoder does.</summary>
    private static IEnumerable<(string Name, JsonElement Value)> Properties(JsonElement element)
    {
        var last = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var property in element.EnumerateObject())
        {
            if (!last.ContainsKey(property.Name))
            {
                order.Add(property.Name);
            }

            last[property.Name] = property.Value;
        }

        return order.Select(name => (name, last[name]));
    }

    /// <summary>Dapr's boolean metadata reading: y, yes, true, t, on, 1 (any case, trimmed) are true.</summary>
    private static bool IsTruthy(string? value) =>
        value?.Trim().ToUpperInvariant() is "Y" or "YES" or "TRUE" or "T" or "ON" or "1";
}
