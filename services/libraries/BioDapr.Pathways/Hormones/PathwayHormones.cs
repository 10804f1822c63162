using System.ComponentModel.DataAnnotations;

namespace BioDapr.Pathways.Hormones;

/// <summary>
/// The resilience settings of one synaptic pathway (service-invocation route), applied live: a cell
/// binds these to configuration-store keys (<c>&lt;cell&gt;.pathways.&lt;target&gt;.&lt;property&gt;</c>) and every
/// call reads the current snapshot. Bounds are enforced on every update; defaults are documented as
/// constants. Records are immutable, so readers never see a half-applied change.
/// </summary>
public sealed record PathwayHormones
{
    /// <summary>Default attempt timeout: 1 s.</summary>
    public const int DefaultTimeoutMs = 1_000;
    /// <summary>Default retries: 2.</summary>
    public const int DefaultMaxRetries = 2;
    /// <summary>Default backoff base: 25 ms.</summary>
    public const int DefaultRetryBaseDelayMs = 25;
    /// <summary>Default backoff cap: 1 s.</summary>
    public const int DefaultRetryMaxDelayMs = 1_000;
    /// <summary>Default retry budget: 20 % of requests.</summary>
    public const double DefaultRetryBudgetPercent = 20;
    /// <summary>Default minimum retries per second: 5.</summary>
    public const double DefaultRetryBudgetMinPerSecond = 5;
    /// <summary>Default failure ratio that opens the breaker: 50 %.</summary>
    public const double DefaultBreakerFailureRatio = 0.5;
    /// <summary>Default attempts needed before the ratio counts: 20.</summary>
    public const int DefaultBreakerMinThroughput = 20;
    /// <summary>Default sampling window: 10 s.</summary>
    public const int DefaultBreakerSamplingMs = 10_000;
    /// <summary>Default break duration: 5 s.</summary>
    public const int DefaultBreakerBreakMs = 5_000;
    /// <summary>Default concurrency limit: 256.</summary>
    public const int DefaultConcurrencyLimit = 256;

    /// <summary>The defaults, as one shared instance.</summary>
    public static PathwayHormones Default { get; } = new();

    /// <summary>Timeout of one attempt, in milliseconds.</summary>
    [Range(1, 60_000)]
    public int TimeoutMs { get; init; } = DefaultTimeoutMs;

    /// <summary>Retries after the first attempt (0 disables retries).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; init; } = DefaultMaxRetries;

    /// <summary>Base of the exponential backoff between attempts, in milliseconds (full jitter).</summary>
    [Range(0, 10_000)]
    public int RetryBaseDelayMs { get; init; } = DefaultRetryBaseDelayMs;

    /// <summary>Cap of the backoff, in milliseconds.</summary>
    [Range(0, 60_000)]
    public int RetryMaxDelayMs { get; init; } = DefaultRetryMaxDelayMs;

    /// <summary>Retries (and hedges) allowed as a percentage of requests over the last 10 s: caps retry amplification.</summary>
    [Range(0, 100)]
    public double RetryBudgetPercent { get; init; } = DefaultRetryBudgetPercent;

    /// <summary>Retries per second always allowed, so a quiet pathway can still retry.</summary>
    [Range(0, 1_000)]
    public double RetryBudgetMinPerSecond { get; init; } = DefaultRetryBudgetMinPerSecond;

    /// <summary>Whether the circuit breaker may open.</summary>
    public bool BreakerEnabled { get; init; } = true;

    /// <summary>Failure ratio over the sampling window at which the breaker opens.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; init; } = DefaultBreakerFailureRatio;

    /// <summary>Attempts needed in the sampling window before the ratio counts.</summary>
    [Range(1, 100_000)]
    public int BreakerMinThroughput { get; init; } = DefaultBreakerMinThroughput;

    /// <summary>Length of the breaker's sampling window, in milliseconds.</summary>
    [Range(100, 600_000)]
    public int BreakerSamplingMs { get; init; } = DefaultBreakerSamplingMs;

    /// <summary>How long the breaker stays open before letting one probe through, in milliseconds.</summary>
    [Range(100, 600_000)]
    public int BreakerBreakMs { get; init; } = DefaultBreakerBreakMs;

    /// <summary>Calls allowed in flight on this pathway at once.</summary>
    [Range(1, 100_000)]
    public int ConcurrencyLimit { get; init; } = DefaultConcurrencyLimit;

    /// <summary>Calls allowed to wait for a free slot (0: reject at once when the limit is reached).</summary>
    [Range(0, 100_000)]
    public int QueueLimit { get; init; }

    /// <summary>How long a queued call may wait for a slot, in milliseconds (0: as long as its own deadline).</summary>
    [Range(0, 60_000)]
    public int QueueTimeoutMs { get; init; }

    /// <summary>Delay after which a hedged attempt starts if the first has not answered (0: hedging off).</summary>
    [Range(0, 60_000)]
    public int HedgeDelayMs { get; init; }

    /// <summary>Hedged attempts allowed per call (counted against the retry budget).</summary>
    [Range(0, 3)]
    public int MaxHedges { get; init; }

    /// <summary>The attempt timeout.</summary>
    public TimeSpan Timeout => TimeSpan.FromMilliseconds(TimeoutMs);

    /// <summary>True when hedging is configured.</summary>
    public bool HedgingEnabled => HedgeDelayMs > 0 && MaxHedges > 0;

    /// <summary>Checks the bounds; returns the violations (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var errors = results.Select(r => r.ErrorMessage ?? "invalid value").ToList();
        if (RetryMaxDelayMs < RetryBaseDelayMs)
        {
            errors.Add($"RetryMaxDelayMs ({RetryMaxDelayMs}) must be at least RetryBaseDelayMs ({RetryBaseDelayMs}).");
        }

        return errors;
    }
}
