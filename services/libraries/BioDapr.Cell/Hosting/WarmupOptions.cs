using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cell.Hosting;

/// <summary>How a cell warms up before it says it is ready (configuration section <c>Cell:Warmup</c>).</summary>
public sealed class WarmupOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cell:Warmup";

    /// <summary>Whether the cell warms up (false: ready as soon as it listens).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How many times each warm-up request is sent (the JIT compiles what runs; a few rounds reach the hot paths' steady code).</summary>
    [Range(1, 100)]
    public int Rounds { get; set; } = 5;

    /// <summary>The longest warm-up: after it the cell says it is ready anyway (and logs what did not finish).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest one warm-up request may take (a request that needs another cell that is not up yet gives up).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after the warm-up the cell's pathways still treat latency as cold-start latency: attempt timeouts
    /// start at <see cref="ColdTimeoutFactor"/> times the hormone and the breaker needs that many times more calls
    /// before it may open, both easing to the hormones' values (0: no easing).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ColdStart { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The factor on attempt timeouts and on the breaker's minimum throughput right after the warm-up.</summary>
    [Range(1.0, 20.0)]
    public double ColdTimeoutFactor { get; set; } = 3.0;

    /// <summary>
    /// The slow start's first concurrency limit of each pathway: it grows by one per successful call until it reaches the
    /// hormone's limit (doubling every round trip that goes well), then the hormone alone decides. 0: no slow start.
    /// </summary>
    [Range(0, 100_000)]
    public int InitialLimit { get; set; } = 16;
}
