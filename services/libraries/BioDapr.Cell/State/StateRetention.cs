using System.Globalization;

namespace BioDapr.Cell.State;

/// <summary>
/// How long a state item is kept after its last write (recycling): sent as Dapr's <c>ttlInSeconds</c> request
/// metadata, so the state store itself expires the item (Redis <c>EXPIRE</c>, Cosmos DB <c>ttl</c>) and no clean-up job
/// is needed. Each write starts the period again. <see cref="Forever"/> (zero) sends nothing: the item is kept.
/// Reusable by any record that should disappear on its own (idempotency records, quarantines, dead letters).
/// </summary>
public readonly record struct StateRetention
{
    /// <summary>Dapr's request metadata key for a state item's time to live, in whole seconds.</summary>
    public const string TtlMetadataKey = "ttlInSeconds";

    private readonly IReadOnlyDictionary<string, string>? _metadata;

    /// <summary>Keeps items for <paramref name="period"/> after their last write (rounded up to whole seconds); zero keeps them forever.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The period is negative.</exception>
    public StateRetention(TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        Period = period;
        _metadata = period == TimeSpan.Zero
            ? null
            : new Dictionary<string, string>(1, StringComparer.Ordinal)
            {
                [TtlMetadataKey] = ((long)Math.Ceiling(period.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            };
    }

    /// <summary>No expiry.</summary>
    public static StateRetention Forever => default;

    /// <summary>The period (zero: forever).</summary>
    public TimeSpan Period { get; }

    /// <summary>The request metadata to send with a write (<c>ttlInSeconds</c>); null when kept forever.</summary>
    public IReadOnlyDictionary<string, string>? Metadata => _metadata;
}
