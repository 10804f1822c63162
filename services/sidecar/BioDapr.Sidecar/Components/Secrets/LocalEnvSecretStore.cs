using System.Collections;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Components.Secrets;

/// <summary>
/// <c>secretstores.local.env</c>: secrets from environment variables, read when asked. The optional
/// <c>prefix</c> metadata is put in front of every requested name (and stripped from bulk results).
/// A variable that does not exist is returned as an empty value, not as an error.
/// <c>APP_API_TOKEN</c> and every variable starting with <c>DAPR_</c> (any case) are never revealed:
/// they read as empty and are left out of bulk results.
/// </summary>
internal sealed partial class LocalEnvSecretStore : ISecretStore
{
    /// <summary>The component type.</summary>
    public const string ComponentType = "secretstores.local.env";

    private readonly string _prefix;
    private readonly Func<string, string?> _read;
    private readonly Func<IEnumerable<KeyValuePair<string, string>>> _readAll;
    private readonly ILogger _logger;

    /// <param name="metadata">The component and its metadata.</param>
    /// <param name="environment">The variables to serve; the live process environment when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    public LocalEnvSecretStore(ComponentMetadata metadata, IReadOnlyDictionary<string, string>? environment = null, ILogger<LocalEnvSecretStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Name = metadata.Name;
        Type = metadata.Type;
        Version = metadata.Version;
        _prefix = metadata.Get("prefix") ?? string.Empty;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (environment is null)
        {
            _read = Environment.GetEnvironmentVariable;
            _readAll = ProcessEnvironment;
        }
        else
        {
            _read = name => environment.GetValueOrDefault(name);
            _readAll = () => environment;
        }
    }

    public string Name { get; }

    public string Type { get; }

    public string Version { get; }

    public IReadOnlyList<string> Capabilities { get; } = [];

    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(
        string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        var variable = _prefix + name;
        string value;
        if (IsAllowed(variable))
        {
            value = _read(variable) ?? string.Empty;
        }
        else
        {
            Log.Forbidden(_logger, Name, name);
            value = string.Empty;
        }

        return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { [name] = value });
    }

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretsAsync(
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Environment names are case-insensitive on Windows only, so the prefix is too.
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (variable, value) in _readAll())
        {
            if (_prefix.Length > 0 && (variable.Length <= _prefix.Length || !variable.StartsWith(_prefix, comparison)))
            {
                continue;
            }

            if (!IsAllowed(variable))
            {
                continue;
            }

            var name = variable[_prefix.Length..];
            secrets[name] = new Dictionary<string, string> { [name] = value };
        }

        return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(secrets);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The sidecar's own credentials must not leak through the secrets API.</summary>
    private static bool IsAllowed(string variable) =>
        !variable.Equals("APP_API_TOKEN", StringComparison.OrdinalIgnoreCase)
        && !variable.Equals(Security.PeerAuthenticator.SecretVariable, StringComparison.OrdinalIgnoreCase)
        && !variable.StartsWith("DAPR_", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<KeyValuePair<string, string>> ProcessEnvironment()
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            yield return new KeyValuePair<string, string>((string)entry.Key, entry.Value as string ?? string.Empty);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "secret store {Store}: access to environment variable {Name} is forbidden")]
        public static partial void Forbidden(ILogger logger, string store, string name);
    }
}
