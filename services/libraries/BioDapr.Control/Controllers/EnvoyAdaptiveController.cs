using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Controllers;

/// <summary>
/// Envoy's adaptive concurrency filter (gradient controller): each interval the limit becomes
/// <c>limit × gradient + √limit</c> with <c>gradient = clamp((minRTT + buffer) ÷ sampleRTT, 0.5, 2)</c>,
/// <c>buffer = minRTT × <see cref="BufferPercent"/></c>, the sample RTT being the window's p90 (here the
/// median: the windows carry p50 and p99). Every <see cref="MinRttIntervalSeconds"/> (jittered by
/// <see cref="JitterPercent"/> from a seeded source) it re-measures the minimum RTT: the limit drops to
/// <see cref="MinConcurrency"/> for <see cref="MinRttWindows"/> windows and the fastest median seen then
/// becomes the new minRTT. Defaults are Envoy's (min RTT interval 60 s, 5 windows, jitter 15 %, buffer
/// 25 %, min concurrency 3, max 1000), with the intervals counted in decision windows.
/// </summary>
public sealed class EnvoyAdaptiveController(string name = "envoy-adaptive", int seed = 1) : IPathwayController
{
    private readonly Dictionary<string, State> _state = new(StringComparer.Ordinal);
    private readonly Random _jitter = new(seed);

    /// <summary>The smallest limit, also the limit while the minimum RTT is re-measured.</summary>
    public int MinConcurrency { get; init; } = 3;

    /// <summary>The largest limit.</summary>
    public int MaxConcurrency { get; init; } = 1_000;

    /// <summary>The limit before the first measurement.</summary>
    public int InitialLimit { get; init; } = 20;

    /// <summary>Seconds between minimum-RTT re-measurements.</summary>
    public double MinRttIntervalSeconds { get; init; } = 60;

    /// <summary>Windows a re-measurement lasts.</summary>
    public int MinRttWindows { get; init; } = 5;

    /// <summary>Random jitter of the interval, percent.</summary>
    public double JitterPercent { get; init; } = 15;

    /// <summary>Latency allowance over the minimum RTT, percent.</summary>
    public double BufferPercent { get; init; } = 25;

    /// <summary>The hormones besides the limit (timeout, retries, retry budget, breaker, hedging) it runs with; the defaults unless tuned.</summary>
    public PathwayHormones Base { get; init; } = PathwayHormones.Default;

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public PathwayHormones Initial(string pathway) => Base with { ConcurrencyLimit = MinConcurrency };

    /// <inheritdoc />
    public PathwayHormones Decide(string pathway, PathwayWindow window, PathwayHormones current)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(current);
        // Envoy starts by measuring: the first windows run at the minimum concurrency.
        var state = _state.TryGetValue(pathway, out var known) ? known : new State(InitialLimit, 0, MinRttWindows, double.PositiveInfinity, 0);
        if (state.Measuring > 0)
        {
            var fastest = window.Successes > 0 && window.RttP50Ms > 0 ? Math.Min(state.Sampled, window.RttP50Ms) : state.Sampled;
            state = state with { Measuring = state.Measuring - 1, Sampled = fastest };
            if (state.Measuring == 0)
            {
                var minRtt = double.IsFinite(fastest) ? fastest : state.MinRtt;
                state = state with { MinRtt = minRtt, UntilRemeasure = NextInterval(window.Seconds) };
                _state[pathway] = state;
                return current with { ConcurrencyLimit = (int)Math.Round(state.Limit) };
            }

            _state[pathway] = state;
            return current with { ConcurrencyLimit = MinConcurrency };
        }

        if (state.UntilRemeasure <= 1)
        {
            _state[pathway] = state with { Measuring = MinRttWindows, Sampled = double.PositiveInfinity };
            return current with { ConcurrencyLimit = MinConcurrency };
        }

        var limit = state.Limit;
        if (window.Successes > 0 && window.RttP50Ms > 0 && state.MinRtt > 0)
        {
            var buffer = state.MinRtt * BufferPercent / 100;
            var gradient = Math.Clamp((state.MinRtt + buffer) / window.RttP50Ms, 0.5, 2.0);
            limit = Math.Clamp((limit * gradient) + Math.Sqrt(limit), MinConcurrency, MaxConcurrency);
        }

        _state[pathway] = state with { Limit = limit, UntilRemeasure = state.UntilRemeasure - 1 };
        return current with { ConcurrencyLimit = (int)Math.Round(limit) };
    }

    private int NextInterval(double windowSeconds)
    {
        var jitter = 1 + ((_jitter.NextDouble() * 2 - 1) * JitterPercent / 100);
        return Math.Max(MinRttWindows + 1, (int)Math.Round(MinRttIntervalSeconds * jitter / Math.Max(windowSeconds, 1e-3)));
    }

    private sealed record State(double Limit, double MinRtt, int Measuring, double Sampled, int UntilRemeasure);
}
