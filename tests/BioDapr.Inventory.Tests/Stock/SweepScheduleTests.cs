using BioDapr.Inventory.Stock;

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// When the ledger's sweeper sweeps: regularly every 10 s with a 10 s grace; at once and without grace at start, after a
/// change that ended with a failure, and after a failed sweep (every second until one succeeds). A change cut by a
/// sidecar kill is thereby completed within a second of the sidecar's return instead of at the next regular sweep
/// (chaos run 10: the inventory sidecar kill recovered 4.5 s slower since the ledger).
/// </summary>
public sealed class SweepScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int seconds) => Start.AddSeconds(seconds);

    // Asks the schedule once a second from `from` to `to` (inclusive), as the sweeper does; sweeps succeed.
    private static List<(int Second, TimeSpan Grace)> Run(SweepSchedule schedule, int from, int to, Func<int, bool>? interruptedAt = null, Func<int, bool>? failsAt = null)
    {
        var sweeps = new List<(int, TimeSpan)>();
        for (var second = from; second <= to; second++)
        {
            if (schedule.Due(At(second), interruptedAt?.Invoke(second) ?? false) is { } grace)
            {
                sweeps.Add((second, grace));
                if (failsAt?.Invoke(second) ?? false)
                {
                    schedule.Failed();
                }
                else
                {
                    schedule.Succeeded(At(second));
                }
            }
        }

        return sweeps;
    }

    [Fact]
    public void AtStart_ASweepWithoutGrace_ThenEveryTenSeconds_WithTheGrace()
    {
        var sweeps = Run(new SweepSchedule(Start), 0, 35);

        sweeps.ShouldBe([(0, TimeSpan.Zero), (10, LedgerSweeper.Grace), (20, LedgerSweeper.Grace), (30, LedgerSweeper.Grace)]);
    }

    [Fact]
    public void AChangeThatEndedWithAFailure_IsSweptForAtTheNextTick_WithoutGrace_ThenTheRegularPeriodRestarts()
    {
        var sweeps = Run(new SweepSchedule(Start), 0, 25, interruptedAt: second => second == 4);

        sweeps.ShouldBe([(0, TimeSpan.Zero), (4, TimeSpan.Zero), (14, LedgerSweeper.Grace), (24, LedgerSweeper.Grace)]);
    }

    [Fact]
    public void AFailedSweep_IsTriedAgainEverySecond_WithoutGrace_UntilItSucceeds()
    {
        // The sidecar is away from 3 s to 7 s: the regular sweep at 10 s fails, and so do the next ones until 12 s.
        var sweeps = Run(new SweepSchedule(Start), 0, 25, failsAt: second => second is >= 10 and < 13);

        sweeps.ShouldBe([(0, TimeSpan.Zero), (10, LedgerSweeper.Grace), (11, TimeSpan.Zero), (12, TimeSpan.Zero), (13, TimeSpan.Zero), (23, LedgerSweeper.Grace)]);
    }

    [Fact]
    public void AFailedStartSweep_IsTriedAgainEverySecond()
    {
        var sweeps = Run(new SweepSchedule(Start), 0, 12, failsAt: second => second < 2);

        sweeps.ShouldBe([(0, TimeSpan.Zero), (1, TimeSpan.Zero), (2, TimeSpan.Zero), (12, LedgerSweeper.Grace)]);
    }

    [Fact]
    public void NothingInterrupted_NoSweepBetweenRegularOnes()
    {
        var schedule = new SweepSchedule(Start);
        schedule.Due(Start, interrupted: false).ShouldBe(TimeSpan.Zero);
        schedule.Succeeded(Start);

        for (var second = 1; second < 10; second++)
        {
            schedule.Due(At(second), interrupted: false).ShouldBeNull($"second {second}");
        }

        schedule.Due(At(10), interrupted: false).ShouldBe(LedgerSweeper.Grace);
    }
}
