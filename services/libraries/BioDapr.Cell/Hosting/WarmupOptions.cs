using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cell.Hosting;

/// <summary>How a cell warms up before it says it is ready (configuration section <c>Cell:Warmup</c>).</summary>
public sealed class WarmupOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cell:Warmup";

    /// <summary>Whether the cell warms up (false: ready as soon as it listens).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many rounds of warm-up requests are sent. The JIT first compiles a method unoptimised (tier 0) and recompiles it
    /// optimised (tier 1) once it has been called 30 times; a young cell serving real traffic at tier 0 was the first
    /// seconds' bottleneck (docs/benchmarks.md "Cold start"). So the rounds times <see cref="Concurrency"/> exceed 30
    /// calls of every hot path (the sidecar's, each pathway's and each probe's), before the cell says it is ready.
    /// </summary>
    [Range(1, 1000)]
    public int Rounds { get; set; } = DefaultRounds;

    /// <summary>The default <see cref="Rounds"/>.</summary>
    public const int DefaultRounds = 20;

    /// <summary>
    /// How many copies of each warm-up request and pathway call a round sends at once, as real traffic does (the
    /// concurrent paths: connection pools, locks, the admission's slots).
    /// </summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = DefaultConcurrency;

    /// <summary>The default <see cref="Concurrency"/>.</summary>
    public const int DefaultConcurrency = 4;

    /// <summary>The longest warm-up: after it the cell says it is ready anyway (and logs what did not finish).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest one warm-up request may take (a request that needs another cell that is not up yet gives up).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the warm-up of a pathway waits for its target to answer ready (its health endpoint through the sidecars,
    /// asked around the pathway so a target not up yet is not a failure of the pathway): after it the pathway is not
    /// warmed, and that is logged as a warning.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00")]
    public TimeSpan TargetTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long readiness waits for the pathways' warm-ups (their targets coming up first). A pathway whose target is not
    /// ready by then is warmed after the cell is ready, when its target answers (within <see cref="TargetTimeout"/>).
    /// Shorter than <see cref="Timeout"/>, so the cell's own warm-up requests still have time; a cell whose targets are
    /// started in the same run (all at once) waits for them, so its pathways are warm before clients come.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan TargetWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The longest readiness waits, after the warm-up's rounds, for the JIT to catch up with them (the optimised
    /// recompilation of the paths the rounds made hot is done by a background thread, later): ready once an interval of
    /// 250 ms passes with at most <see cref="JitQuietMethods"/> methods compiled, or after this. 0: no wait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan JitQuietWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many methods the JIT may compile in 250 ms and still count as caught up (see <see cref="JitQuietWait"/>).</summary>
    [Range(0, 100_000)]
    public int JitQuietMethods { get; set; } = DefaultJitQuietMethods;

    /// <summary>The default <see cref="JitQuietMethods"/>.</summary>
    public const int DefaultJitQuietMethods = 10;

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
