using System.Globalization;

namespace BioDapr.Scenarios;

/// <summary>
/// What a shortened replay (<see cref="Scenario.Shortened"/>) does to the hormones whose values are spans of scenario time:
/// a pathway's breaker break time (<c>&lt;cell&gt;.pathways.&lt;target&gt;.breakerBreakMs</c>) and the cortex's bound on it.
/// Shortening a 60 s recovery to 6 s while a breaker still waits its full 5 s before probing turns a recovery that
/// loses ~8 % into one that loses ~80 %, which measures the shortening, not the organism. So the break time is scaled
/// by the same factor, never below <see cref="MinBreakMs"/> (the circuit breaker's shortest break).
/// Not scaled, on purpose: attempt timeouts and the SLO (latency, not scenario time), the breaker's sampling window
/// (its cold-start minimum throughput is sized for the unshortened window, and scaling it would switch the young
/// breaker off for its first 30 s), the cells' cold-start easing (process time after a start, not scenario time).
/// </summary>
public static class ShortenedHormones
{
    /// <summary>The shortest break a breaker accepts (Polly's <c>BreakDuration</c> minimum).</summary>
    public const int MinBreakMs = 500;

    /// <summary>The cortex's largest break time when nothing is configured (its guardrails' <c>MaxBreakerBreakMs</c>).</summary>
    public const int CortexMaxBreakMs = 30_000;

    private const string BreakSuffix = ".breakerBreakMs";

    /// <summary>
    /// The hormones with every pathway's break time scaled by <paramref name="factor"/> (a copy; other values unchanged),
    /// and one line per scaled hormone saying what changed. A factor of 1 changes nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The factor is not in (0, 1].</exception>
    /// <exception cref="FormatException">A break time is not a whole number of milliseconds; the message names the hormone.</exception>
    public static (Dictionary<string, string> Hormones, IReadOnlyList<string> Changes) Scale(IReadOnlyDictionary<string, string> hormones, double factor)
    {
        ArgumentNullException.ThrowIfNull(hormones);
        CheckFactor(factor);
        var scaled = new Dictionary<string, string>(hormones, StringComparer.Ordinal);
        var changes = new List<string>();
        foreach (var (name, value) in hormones.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            if (!name.EndsWith(BreakSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) || ms < 0)
            {
                throw new FormatException($"hormone '{name}': '{value}' is not a whole number of milliseconds");
            }

            var shortened = ScaleMs(ms, factor);
            if (shortened != ms)
            {
                scaled[name] = shortened.ToString(CultureInfo.InvariantCulture);
                changes.Add($"{name} {ms} -> {shortened} ms");
            }
        }

        return (scaled, changes);
    }

    /// <summary>The cortex's bound on break times for a replay shortened by <paramref name="factor"/>: its default maximum scaled the same way.</summary>
    public static int CortexMaxBreak(double factor)
    {
        CheckFactor(factor);
        return ScaleMs(CortexMaxBreakMs, factor);
    }

    private static int ScaleMs(int ms, double factor) => ms <= MinBreakMs ? ms : Math.Max(MinBreakMs, (int)Math.Round(ms * factor));

    private static void CheckFactor(double factor)
    {
        if (!(factor > 0 && factor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "the shortening factor must be in (0, 1]");
        }
    }
}
