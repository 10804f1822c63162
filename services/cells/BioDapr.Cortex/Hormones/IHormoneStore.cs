using BioDapr.Pathways.Hormones;

namespace BioDapr.Cortex.Hormones;

/// <summary>
/// Where the cortex reads and writes pathway hormones: the configuration store the cells subscribe to.
/// Dapr's configuration API is read-only, so the cortex writes to the store itself, in the store's
/// own format (Redis: <c>SET key "value||version"</c>, exactly what <c>configuration.redis</c> reads).
/// </summary>
public interface IHormoneStore
{
    /// <summary>The hormones of the pathway from <paramref name="cell"/> to <paramref name="target"/> as stored (defaults for missing keys).</summary>
    Task<PathwayHormones> ReadAsync(string cell, string target, CancellationToken cancellationToken);

    /// <summary>Writes the given hormones (camelCase property name → value) of one pathway, recording who wrote them and why.</summary>
    Task WriteAsync(string cell, string target, IReadOnlyList<(string Hormone, string Value)> values, HormoneOrigin origin, CancellationToken cancellationToken);

    /// <summary>Writes hormones by their full keys (<c>inventory.pathogens.errorRate</c>), together, recording who wrote them and why.</summary>
    Task WriteKeysAsync(IReadOnlyList<(string Key, string Value)> values, HormoneOrigin origin, CancellationToken cancellationToken);

    /// <summary>The origins recorded after <paramref name="afterId"/> (<c>0</c>: from the oldest kept), oldest first, at most <paramref name="count"/>.</summary>
    Task<IReadOnlyList<HormoneOriginRecord>> OriginsAsync(string afterId, int count, CancellationToken cancellationToken);
}
