using System.Globalization;
using System.Text.Json;

namespace BioDapr.Gateway.Immune;

/// <summary>An <see cref="IImmuneStore"/> in memory (tests, the in-process benchmark): the ledger is kept as JSON, as a state store keeps it.</summary>
public sealed class InMemoryImmuneStore : IImmuneStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _lock = new();
    private string? _json;
    private long _version;

    /// <inheritdoc />
    public Task<(ImmuneLedger Ledger, string? ETag)> LoadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_json is null
                ? (new ImmuneLedger(), (string?)null)
                : (JsonSerializer.Deserialize<ImmuneLedger>(_json, Json)!, _version.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <inheritdoc />
    public Task<bool> TrySaveAsync(ImmuneLedger ledger, string? etag, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var current = _json is null ? null : _version.ToString(CultureInfo.InvariantCulture);
            if (!string.Equals(current, etag, StringComparison.Ordinal))
            {
                return Task.FromResult(false);
            }

            _json = JsonSerializer.Serialize(ledger, Json);
            _version++;
            return Task.FromResult(true);
        }
    }
}
