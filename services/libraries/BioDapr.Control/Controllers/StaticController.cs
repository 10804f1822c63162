using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Controllers;

/// <summary>A fixed policy: the same hormones all the time (no controller, or a hand-tuned one).</summary>
public sealed class StaticController : IPathwayController
{
    private readonly Func<string, PathwayHormones> _hormones;

    /// <summary>The same hormones on every pathway.</summary>
    public StaticController(string name, PathwayHormones hormones)
        : this(name, _ => hormones)
    {
        ArgumentNullException.ThrowIfNull(hormones);
    }

    /// <summary>Hormones per pathway (key <c>caller→target</c>).</summary>
    public StaticController(string name, Func<string, PathwayHormones> hormones)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(hormones);
        Name = name;
        _hormones = hormones;
    }

    /// <summary>No resilience at all: no retries, no breaker, no limit, a long timeout.</summary>
    public static StaticController None { get; } = new("none", PathwayHormones.Default with
    {
        MaxRetries = 0,
        BreakerEnabled = false,
        ConcurrencyLimit = 100_000,
        TimeoutMs = 60_000,
    });

    /// <summary>BioDapr's defaults (<see cref="PathwayHormones.Default"/>).</summary>
    public static StaticController Defaults { get; } = new("defaults", PathwayHormones.Default);

    /// <summary>
    /// What a Dapr user gets from a Resiliency resource that names policies without tuning them
    /// (Dapr's documented defaults, reference §8.2): retry <c>constant</c> every 5 s with unlimited
    /// retries (capped here at 10, far beyond any client deadline), no timeout (60 s), no concurrency
    /// limit, and gobreaker's default trip <c>consecutiveFailures &gt; 5</c> with a 60 s open state,
    /// approximated by a ratio breaker that opens when all of at least 6 attempts in a 1 s window failed.
    /// </summary>
    public static StaticController DaprLike { get; } = new("dapr-defaults", PathwayHormones.Default with
    {
        TimeoutMs = 60_000,
        MaxRetries = 10,
        RetryBaseDelayMs = 5_000,
        RetryMaxDelayMs = 5_000,
        RetryBudgetPercent = 100,
        RetryBudgetMinPerSecond = 1_000,
        BreakerEnabled = true,
        BreakerFailureRatio = 1.0,
        BreakerMinThroughput = 6,
        BreakerSamplingMs = 1_000,
        BreakerBreakMs = 60_000,
        ConcurrencyLimit = 100_000,
    });

    /// <summary>
    /// The defaults of .NET's standard resilience handler (<c>AddStandardResilienceHandler</c>):
    /// 1,000 concurrent requests with no queue, 3 retries with exponential jittered backoff from 2 s
    /// (capped at 30 s), a breaker at a 10 % failure ratio over 30 s with at least 100 requests, open
    /// for 5 s, and a 10 s attempt timeout. It has no retry budget.
    /// </summary>
    public static StaticController DotNetStandard { get; } = new("dotnet-standard", PathwayHormones.Default with
    {
        TimeoutMs = 10_000,
        MaxRetries = 3,
        RetryBaseDelayMs = 2_000,
        RetryMaxDelayMs = 30_000,
        RetryBudgetPercent = 100,
        RetryBudgetMinPerSecond = 1_000,
        BreakerEnabled = true,
        BreakerFailureRatio = 0.1,
        BreakerMinThroughput = 100,
        BreakerSamplingMs = 30_000,
        BreakerBreakMs = 5_000,
        ConcurrencyLimit = 1_000,
        QueueLimit = 0,
    });

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => _hormones(pathway);

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current) => _hormones(pathway);
}
