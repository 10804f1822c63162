namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// How a state store's keys are prefixed (component metadata <c>keyPrefix</c>, case-insensitive, value
/// lower-cased as daprd does): <c>appid</c> (default) → <c>appid||key</c>; <c>name</c> → <c>store||key</c>;
/// <c>namespace</c> → <c>NAMESPACE.appid||key</c>; <c>none</c> → <c>key</c>; anything else <c>s</c> → <c>s||key</c>.
/// </summary>
internal sealed class StateKeyPrefix
{
    public const string Separator = "||";

    private readonly string _strategy;
    private readonly string _storeName;
    private readonly string _appId;
    private readonly string _namespace;

    private StateKeyPrefix(string strategy, string storeName, string appId, string @namespace)
    {
        _strategy = strategy;
        _storeName = storeName;
        _appId = appId;
        _namespace = @namespace;
    }

    /// <summary>Builds the prefix rule from component metadata; throws when the prefix itself contains <c>||</c>.</summary>
    public static StateKeyPrefix FromMetadata(string storeName, IReadOnlyDictionary<string, string> metadata, string appId, string @namespace)
    {
        var strategy = metadata.FirstOrDefault(p => string.Equals(p.Key, "keyPrefix", StringComparison.OrdinalIgnoreCase)).Value?.ToLowerInvariant() ?? "appid";
        if (strategy.Length == 0)
        {
            strategy = "appid";
        }

        if (strategy.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException(IllegalKeyMessage(strategy));
        }

        return new StateKeyPrefix(strategy, storeName, appId, @namespace);
    }

    /// <summary>The message daprd gives for a key containing <c>||</c>.</summary>
    public static string IllegalKeyMessage(string key) => $"input key/keyPrefix '{key}' can't contain '||'";

    /// <summary>True when the key is acceptable (no <c>||</c>).</summary>
    public static bool IsLegal(string key) => !key.Contains(Separator, StringComparison.Ordinal);

    /// <summary>The key as stored.</summary>
    public string Apply(string key) => _strategy switch
    {
        "none" => key,
        "name" => _storeName + Separator + key,
        "appid" => _appId.Length == 0 ? key : _appId + Separator + key,
        "namespace" => _appId.Length == 0 ? key : _namespace.Length == 0 ? _appId + Separator + key : _namespace + "." + _appId + Separator + key,
        _ => _strategy + Separator + key,
    };

    /// <summary>The key as the caller knows it (everything up to the first <c>||</c> removed).</summary>
    public static string Original(string storedKey)
    {
        var index = storedKey.IndexOf(Separator, StringComparison.Ordinal);
        if (index < 0)
        {
            return storedKey;
        }

        var rest = storedKey[(index + Separator.Length)..];
        var second = rest.IndexOf(Separator, StringComparison.Ordinal);
        return second < 0 ? rest : rest[..second];
    }
}
