using System.Threading.Channels;
using BioDapr.Inventory.Stock;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>The sweeper as a hosted service (fake clock, fake ledger): it follows <see cref="SweepSchedule"/>, once a second.</summary>
public sealed class LedgerSweeperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FakeLedger(FakeTimeProvider time) : IStockSweep
    {
        private int _interrupted;

        public Channel<(TimeSpan OlderThan, DateTimeOffset At)> Sweeps { get; } = Channel.CreateUnbounded<(TimeSpan, DateTimeOffset)>();

        public int FailuresLeft { get; set; }

        public void Interrupt() => Interlocked.Exchange(ref _interrupted, 1);

        public Task<int> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken)
        {
            Sweeps.Writer.TryWrite((olderThan, time.GetUtcNow()));
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                return Task.FromException<int>(new InvalidOperationException("the sidecar is away"));
            }

            return Task.FromResult(1);
        }

        public bool TakeInterrupted() => Interlocked.Exchange(ref _interrupted, 0) == 1;
    }

    private static async Task<(TimeSpan OlderThan, DateTimeOffset At)> NextSweepAsync(FakeLedger ledger)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        return await ledger.Sweeps.Reader.ReadAsync(timeout.Token);
    }

    [Fact]
    public async Task AtStart_ItSweepsAtOnce_WithoutGrace_AndAfterAFailedChange_WithinTheNextSecond()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 15, 0, 0, TimeSpan.Zero));
        var ledger = new FakeLedger(time);
        using var sweeper = new LedgerSweeper(ledger, time, NullLogger<LedgerSweeper>.Instance);
        var start = time.GetUtcNow();
        await sweeper.StartAsync(Ct);

        (await NextSweepAsync(ledger)).ShouldBe((TimeSpan.Zero, start));

        ledger.Interrupt();
        time.Advance(LedgerSweeper.RecoveryPeriod);
        (await NextSweepAsync(ledger)).ShouldBe((TimeSpan.Zero, start + LedgerSweeper.RecoveryPeriod));
        await sweeper.StopAsync(Ct);
    }

    [Fact]
    public async Task AFailingSweep_IsTriedAgainEachSecond_AndTheServiceKeepsRunning()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 15, 0, 0, TimeSpan.Zero));
        var ledger = new FakeLedger(time) { FailuresLeft = 2 };
        using var sweeper = new LedgerSweeper(ledger, time, NullLogger<LedgerSweeper>.Instance);
        var start = time.GetUtcNow();
        await sweeper.StartAsync(Ct);

        (await NextSweepAsync(ledger)).ShouldBe((TimeSpan.Zero, start));
        for (var second = 1; second <= 2; second++)
        {
            time.Advance(LedgerSweeper.RecoveryPeriod);
            (await NextSweepAsync(ledger)).ShouldBe((TimeSpan.Zero, start + (second * LedgerSweeper.RecoveryPeriod)));
        }

        sweeper.ExecuteTask!.IsCompleted.ShouldBeFalse();
        await sweeper.StopAsync(Ct);
    }
}
