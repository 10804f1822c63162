using System.Globalization;

namespace BioDapr.Recycling.Soak;

/// <summary>
/// What a soak showed. "After the first retention period" is the window from 1.25 × retention (the first records have
/// expired and the streams reached their cap) to the end; flat means memory and keys end within ±10 % of where that
/// window started (each the mean of the window's first and last fifth, so one noisy sample decides nothing).
/// </summary>
public sealed record SoakSummary(
    string Command,
    int Seed,
    double OfferedRatePerSecond,
    double AcceptedRatePerSecond,
    long Sent,
    long Accepted,
    long Failed,
    double DurationSeconds,
    double RetentionSeconds,
    long StreamCap,
    double WindowStartSeconds,
    int WindowSamples,
    double MemoryStartMiB,
    double MemoryEndMiB,
    double MemoryGrowthPercent,
    double KeysStart,
    double KeysEnd,
    double KeysGrowthPercent,
    double PeakMemoryMiB,
    long PeakKeys,
    bool Flat)
{
    /// <summary>The tolerance for "flat": growth within ±10 % over the window.</summary>
    public const double FlatTolerancePercent = 10;

    /// <summary>Computes the summary of <paramref name="samples"/>.</summary>
    public static SoakSummary Of(IReadOnlyList<SoakSample> samples, double rate, TimeSpan duration, TimeSpan retention, long streamCap, int seed, string command)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var last = samples.Count > 0 ? samples[^1] : new SoakSample(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        var windowStart = retention.TotalSeconds * 1.25;
        var window = samples.Where(s => s.Seconds >= windowStart).ToList();
        var fifth = Math.Max(1, window.Count / 5);
        double Mean(IEnumerable<SoakSample> part, Func<SoakSample, double> value) => part.Select(value).DefaultIfEmpty(0).Average();
        var memoryStart = Mean(window.Take(fifth), s => s.UsedMemory) / 1048576.0;
        var memoryEnd = Mean(window.TakeLast(fifth), s => s.UsedMemory) / 1048576.0;
        var keysStart = Mean(window.Take(fifth), s => s.Keys);
        var keysEnd = Mean(window.TakeLast(fifth), s => s.Keys);
        var memoryGrowth = Growth(memoryStart, memoryEnd);
        var keysGrowth = Growth(keysStart, keysEnd);
        return new SoakSummary(
            command, seed, rate, last.Seconds > 0 ? last.Accepted / last.Seconds : 0, last.Sent, last.Accepted, last.Failed, last.Seconds,
            retention.TotalSeconds, streamCap, windowStart, window.Count, memoryStart, memoryEnd, memoryGrowth, keysStart, keysEnd, keysGrowth,
            samples.Select(s => s.UsedMemory).DefaultIfEmpty(0).Max() / 1048576.0, samples.Select(s => s.Keys).DefaultIfEmpty(0).Max(),
            window.Count >= 2 && Math.Abs(memoryGrowth) <= FlatTolerancePercent && Math.Abs(keysGrowth) <= FlatTolerancePercent);
    }

    /// <summary>A few lines for the console and docs/benchmarks.md.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        offered {OfferedRatePerSecond:0.#}/s for {DurationSeconds:0} s: {Accepted} of {Sent} orders accepted ({AcceptedRatePerSecond:0.#}/s), {Failed} failed
        retention {RetentionSeconds:0} s, streams capped at ~{StreamCap}; window from {WindowStartSeconds:0} s ({WindowSamples} samples)
        used_memory {MemoryStartMiB:0.0} → {MemoryEndMiB:0.0} MiB ({MemoryGrowthPercent:+0.0;-0.0} %), keys {KeysStart:0} → {KeysEnd:0} ({KeysGrowthPercent:+0.0;-0.0} %); peak {PeakMemoryMiB:0.0} MiB, {PeakKeys} keys
        footprint after the first retention period: {(Flat ? "FLAT" : "NOT FLAT")} (tolerance ±{FlatTolerancePercent} %)
        """);

    private static double Growth(double start, double end) => start > 0 ? (end - start) / start * 100 : 0;
}
