using BioDapr.Cell.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Cell.Tests;

/// <summary>Readiness waits for the JIT to catch up with the warm-up's rounds (the background tier-1 recompilations), within a bound.</summary>
public sealed class JitSettleTests
{
    // Steps the fake clock one interval at a time until the wait ends (the wait's timer is the only one on this clock).
    private static async Task<(TimeSpan Waited, long Compiled, bool Quiet)> RunAsync(FakeTimeProvider time, Func<long> compiled, int quietMethods, TimeSpan maxWait)
    {
        var waiting = JitSettle.WaitAsync(compiled, quietMethods, maxWait, time, CancellationToken.None);
        for (var step = 0; step < 1000 && !waiting.IsCompleted; step++)
        {
            time.Advance(JitSettle.Interval);
            await Task.Yield();
        }

        waiting.IsCompleted.ShouldBeTrue();
        return await waiting;
    }

    [Fact]
    public async Task WaitsWhileTheJitCompiles_AndEndsAtTheFirstQuietInterval()
    {
        var time = new FakeTimeProvider();
        // 0 at the start, then 300, 450, 500 compiled (busy, busy, busy), then 505 (5 in an interval: quiet).
        var counts = new Queue<long>([0, 300, 450, 500, 505, 900]);

        var (waited, compiled, quiet) = await RunAsync(time, () => counts.Dequeue(), quietMethods: 10, TimeSpan.FromSeconds(5));

        quiet.ShouldBeTrue();
        waited.ShouldBe(JitSettle.Interval * 4);
        compiled.ShouldBe(505);
        counts.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AJitThatNeverGoesQuiet_EndsAtTheBound_NotQuiet()
    {
        var time = new FakeTimeProvider();
        long count = 0;

        var (waited, compiled, quiet) = await RunAsync(time, () => count += 100, quietMethods: 10, TimeSpan.FromSeconds(2));

        quiet.ShouldBeFalse();
        waited.ShouldBe(TimeSpan.FromSeconds(2));
        compiled.ShouldBe(800);
    }

    [Fact]
    public async Task AQuietJit_CostsOneInterval()
    {
        var time = new FakeTimeProvider();

        var (waited, compiled, quiet) = await RunAsync(time, () => 7_000, quietMethods: 10, TimeSpan.FromSeconds(5));

        quiet.ShouldBeTrue();
        waited.ShouldBe(JitSettle.Interval);
        compiled.ShouldBe(0);
    }

    [Fact]
    public async Task Cancelled_Throws()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => JitSettle.WaitAsync(() => 0, 10, TimeSpan.FromSeconds(5), new FakeTimeProvider(), cancel.Token));
    }
}
