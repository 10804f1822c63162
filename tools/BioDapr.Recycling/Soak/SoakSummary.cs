using System.Globalization;

namespace BioDapr.Recycling.Soak;

/// <summary>
/// What a soak showed. The window measured starts once the first records have expired (1.25 × retention) <b>and</b> every
/// capped stream (orders, payments at <see cref="StreamCap"/>, vitals at <see cref="VitalsCap"/>) has reached its cap, and
/// runs to the end; flat means memory and keys end within ±10 % of where that window started (each the mean of the
/// window's first and last fifth, so one noisy sample decides nothing). When a stream never reached its cap the window
/// starts at 1.25 × retention and the summary says the caps were not all reached (the footprint may still grow).
/// <para>
/// What is kept is what was accepted in the last retention period (orders, idempotency records, journals expire after it),
/// so the footprint follows the accepted rate: a soak whose accepted rate changes (a loaded machine refusing orders early
/// on) grows or shrinks with it, whatever the recycling does. The summary therefore also says whether the orders accepted
/// per retention period were steady over the window (within the same tolerance) and, when they were not, the growth per
/// order kept (keys and memory divided by those orders), so a verdict is never read off a changing load.
/// </para>
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
    long VitalsCap,
    double? OrdersCapReachedSeconds,
    double? PaymentsCapReachedSeconds,
    double? VitalsCapReachedSeconds,
    bool CapsReached,
    double VitalsBytesPerEntry,
    double OrdersBytesPerEntry,
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
    bool Flat,
    double KeptOrdersStart = 0,
    double KeptOrdersEnd = 0,
    double KeptOrdersGrowthPercent = 0,
    double KeysPerKeptOrderGrowthPercent = 0,
    double MemoryPerKeptOrderGrowthPercent = 0)
{
    /// <summary>Whether the orders accepted per retention period stayed within the tolerance over the window.</summary>
    public bool RateSteady => Math.Abs(KeptOrdersGrowthPercent) <= FlatTolerancePercent;

    /// <summary>The tolerance for "flat": growth within ±10 % over the window.</summary>
    public const double FlatTolerancePercent = 10;

    /// <summary>Computes the summary of <paramref name="samples"/>.</summary>
    public static SoakSummary Of(IReadOnlyList<SoakSample> samples, double rate, TimeSpan duration, TimeSpan retention, long streamCap, long vitalsCap, int seed, string command)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var last = samples.Count > 0 ? samples[^1] : new SoakSample(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        double? Reached(Func<SoakSample, long> length, long cap) => cap > 0 ? samples.FirstOrDefault(s => length(s) >= cap)?.Seconds : null;
        var orders = Reached(s => s.OrdersStream, streamCap);
        var payments = Reached(s => s.PaymentsStream, streamCap);
        var vitals = Reached(s => s.VitalsStream, vitalsCap);
        var capsReached = orders is not null && payments is not null && vitals is not null;
        var windowStart = Math.Max(retention.TotalSeconds * 1.25, capsReached ? Math.Max(orders!.Value, Math.Max(payments!.Value, vitals!.Value)) : 0);
        var window = samples.Where(s => s.Seconds >= windowStart).ToList();
        // Bytes per entry: the mean over the window's samples (over every sample when the window has none with the stream).
        double BytesPerEntry(Func<SoakSample, long> bytes, Func<SoakSample, long> length)
        {
            var measured = window.Where(s => length(s) > 0 && bytes(s) > 0).ToList() is { Count: > 0 } inWindow ? inWindow : samples.Where(s => length(s) > 0 && bytes(s) > 0).ToList();
            return measured.Select(s => (double)bytes(s) / length(s)).DefaultIfEmpty(0).Average();
        }
        var fifth = Math.Max(1, window.Count / 5);
        double Mean(IEnumerable<SoakSample> part, Func<SoakSample, double> value) => part.Select(value).DefaultIfEmpty(0).Average();
        var memoryStart = Mean(window.Take(fifth), s => s.UsedMemory) / 1048576.0;
        var memoryEnd = Mean(window.TakeLast(fifth), s => s.UsedMemory) / 1048576.0;
        var keysStart = Mean(window.Take(fifth), s => s.Keys);
        var keysEnd = Mean(window.TakeLast(fifth), s => s.Keys);
        var memoryGrowth = Growth(memoryStart, memoryEnd);
        var keysGrowth = Growth(keysStart, keysEnd);
        // Orders accepted in the retention period before each sample (what the store should be holding then).
        double Kept(SoakSample sample)
        {
            var from = samples.LastOrDefault(s => s.Seconds <= sample.Seconds - retention.TotalSeconds);
            return sample.Accepted - (from?.Accepted ?? 0);
        }
        var keptStart = Mean(window.Take(fifth), Kept);
        var keptEnd = Mean(window.TakeLast(fifth), Kept);
        return new SoakSummary(
            command, seed, rate, last.Seconds > 0 ? last.Accepted / last.Seconds : 0, last.Sent, last.Accepted, last.Failed, last.Seconds,
            retention.TotalSeconds, streamCap, vitalsCap, orders, payments, vitals, capsReached,
            BytesPerEntry(s => s.VitalsStreamBytes, s => s.VitalsStream), BytesPerEntry(s => s.OrdersStreamBytes, s => s.OrdersStream), windowStart, window.Count, memoryStart, memoryEnd, memoryGrowth, keysStart, keysEnd, keysGrowth,
            samples.Select(s => s.UsedMemory).DefaultIfEmpty(0).Max() / 1048576.0, samples.Select(s => s.Keys).DefaultIfEmpty(0).Max(),
            window.Count >= 2 && Math.Abs(memoryGrowth) <= FlatTolerancePercent && Math.Abs(keysGrowth) <= FlatTolerancePercent,
            keptStart, keptEnd, Growth(keptStart, keptEnd),
            keptStart > 0 && keptEnd > 0 ? Growth(keysStart / keptStart, keysEnd / keptEnd) : 0,
            keptStart > 0 && keptEnd > 0 ? Growth(memoryStart / keptStart, memoryEnd / keptEnd) : 0);
    }

    /// <summary>A few lines for the console and docs/benchmarks.md.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        offered {OfferedRatePerSecond:0.#}/s for {DurationSeconds:0} s: {Accepted} of {Sent} orders accepted ({AcceptedRatePerSecond:0.#}/s), {Failed} failed
        retention {RetentionSeconds:0} s, order streams capped at ~{StreamCap}, vitals at ~{VitalsCap}; caps reached at orders {Seconds(OrdersCapReachedSeconds)}, payments {Seconds(PaymentsCapReachedSeconds)}, vitals {Seconds(VitalsCapReachedSeconds)}{(CapsReached ? string.Empty : " (NOT ALL REACHED: the window starts at 1.25 x retention)")}
        bytes per entry in Redis (MEMORY USAGE / XLEN): vitals {VitalsBytesPerEntry:0}, orders {OrdersBytesPerEntry:0}
        window from {WindowStartSeconds:0} s ({WindowSamples} samples)
        used_memory {MemoryStartMiB:0.0} → {MemoryEndMiB:0.0} MiB ({MemoryGrowthPercent:+0.0;-0.0} %), keys {KeysStart:0} → {KeysEnd:0} ({KeysGrowthPercent:+0.0;-0.0} %); peak {PeakMemoryMiB:0.0} MiB, {PeakKeys} keys
        orders accepted per retention period over the window {KeptOrdersStart:0} → {KeptOrdersEnd:0} ({KeptOrdersGrowthPercent:+0.0;-0.0} %): {(RateSteady ? "steady" : "NOT STEADY (the footprint follows the accepted rate; per order kept: keys " + KeysPerKeptOrderGrowthPercent.ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %, memory " + MemoryPerKeptOrderGrowthPercent.ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %)")}
        footprint after the first retention period: {(Flat ? "FLAT" : "NOT FLAT")} (tolerance ±{FlatTolerancePercent} %){(RateSteady ? string.Empty : "; not a verdict on recycling: the accepted rate changed")}
        """);

    private static string Seconds(double? seconds) => seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:0} s") : "never";

    private static double Growth(double start, double end) => start > 0 ? (end - start) / start * 100 : 0;
}
