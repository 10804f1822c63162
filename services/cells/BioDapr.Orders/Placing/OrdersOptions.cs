using System.ComponentModel.DataAnnotations;
using BioDapr.Cell.State;

namespace BioDapr.Orders.Placing;

/// <summary>How orders places orders exactly once (configuration section <c>Orders</c>).</summary>
public sealed class OrdersOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Orders";

    /// <summary>Journal slots: attempts that may be unsettled at once (beyond that, new orders get 503).</summary>
    [Range(8, 65_536)]
    public int JournalSlots { get; set; } = 128;

    /// <summary>How often the sweeper settles what a crash left in the journal.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after its deadline an unsettled attempt is left to its own request before the sweeper settles it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SettleGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The deadline of a request that did not say when its caller gives up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The latest deadline a caller may ask for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An attempt is placed only this long before its deadline at the latest, so that a caller that gave up at its
    /// deadline is never charged (covers clock differences between the gateway and orders up to this much).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PlacementMargin { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The default <see cref="IdempotencyRetention"/>: a day, as payment APIs keep idempotency keys.</summary>
    public static readonly TimeSpan DefaultIdempotencyRetention = TimeSpan.FromHours(24);

    /// <summary>
    /// Recycling: how long an order record (which is also the Idempotency-Key's record) is kept after its last change.
    /// A repeat within it gets the first outcome; after it the record is gone (the state store expires it,
    /// <c>ttlInSeconds</c>), and the same key would place a new order. Zero keeps records forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan IdempotencyRetention { get; set; } = DefaultIdempotencyRetention;

    /// <summary>The shortest non-zero <see cref="IdempotencyRetention"/>: longer than any attempt can stay unsettled (its deadline, then the sweeper's grace and two sweeps).</summary>
    public TimeSpan MinIdempotencyRetention => MaxDeadline + SettleGrace + (2 * SweepInterval);

    /// <summary>The retention as sent with every write of an order record.</summary>
    public StateRetention OrderRetention => new(IdempotencyRetention);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IdempotencyRetention > TimeSpan.Zero && IdempotencyRetention < MinIdempotencyRetention)
        {
            yield return new ValidationResult(
                $"Orders:IdempotencyRetention must be 0 (keep forever) or at least {MinIdempotencyRetention} (Orders:MaxDeadline + Orders:SettleGrace + 2 x Orders:SweepInterval), so no order expires while an attempt may still be unsettled; it is {IdempotencyRetention}.",
                [nameof(IdempotencyRetention)]);
        }
    }
}
