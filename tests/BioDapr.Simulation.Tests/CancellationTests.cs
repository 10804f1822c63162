using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;

namespace BioDapr.Simulation.Tests;

/// <summary>
/// A caller that gave up (its attempt timed out, its hedge lost, its client hung up) no longer holds a
/// slot or a queue place downstream: as daprd cancels the call's context at its timeout and the cells'
/// ingress waits on ASP.NET Core's <c>RequestAborted</c>. Each test fails on a simulator that keeps
/// serving abandoned requests.
/// </summary>
public sealed class CancellationTests
{
    [Fact]
    public void ACallThatTimedOut_LeavesTheTargetsQueue_AndFreesItsSlot()
    {
        // back serves 5 a second (one slot, 200 ms); 10 a second arrive; every attempt times out at 50 ms.
        var scenario = TwoCells(backSlots: 1, backMs: 200, rate: 10, deadlineMs: 100_000, seconds: 60);
        var hormones = PathwayHormones.Default with { TimeoutMs = 50, MaxRetries = 0, BreakerEnabled = false };

        var result = new Simulator(scenario, _ => hormones, seed: 3).Run();

        // Kept serving, the abandoned calls would queue for tens of seconds at back (2 Erlangs on 1 slot).
        result.MeanQueueWaitMs["back"].ShouldBeLessThan(50, "a queued call leaves when its caller's timeout fires");
        result.AbandonedVisits.ShouldBeGreaterThan(500);
        result.Seconds.Sum(s => (long)s.Goodput).ShouldBe(0L, "no call answers within its 50 ms timeout");
    }

    [Fact]
    public void AClientThatHungUp_IsNotServedAfterwards_DownTheWholeChain()
    {
        // A limit of 1 in front of back (100 ms): 10 a second get through, 30 a second arrive, clients wait 300 ms.
        var scenario = TwoCells(backSlots: 1, backMs: 100, rate: 30, deadlineMs: 300, seconds: 60);
        var hormones = PathwayHormones.Default with { ConcurrencyLimit = 1, QueueLimit = 10_000, TimeoutMs = 10_000, MaxRetries = 0, BreakerEnabled = false };

        var result = new Simulator(scenario, _ => hormones, seed: 4).Run();

        // FIFO under three times its capacity: a call reaches back just before its client leaves, and is then
        // cancelled there too (the entry's request and its downstream call: two abandoned visits a client).
        var hungUp = result.Seconds.Sum(s => (long)s.Abandoned);
        hungUp.ShouldBeGreaterThan(1_500);
        result.AbandonedVisits.ShouldBeGreaterThanOrEqualTo(2 * hungUp - 10, "the entry's request and the call it was making");
        // Kept serving, every answer after the first second would come after its client left (the limiter's
        // queue growing by 20 a second); cancelled, the queue holds at most the last 300 ms of arrivals, so the
        // lulls of the Poisson arrivals are served on time.
        result.Seconds.Sum(s => (long)s.Goodput).ShouldBeGreaterThan(60L);
    }

    [Fact]
    public void AHedgeThatLost_IsCancelled_AndHedgesArePaidFromTheRetryBudget()
    {
        // back: 2 replicas, one 20 times slower; a hedge after 30 ms goes out while the first has not answered.
        var yaml = """
            name: hedges
            slo: { latencyMs: 250, clientDeadlineMs: 5000 }
            capacityRps: auto
            topology:
              entry: front
              cells:
                front: { slots: 256, serviceTime: { constant: 1 }, calls: [ { target: back, count: 1 } ] }
                back: { slots: 8, replicas: 2, serviceTime: { constant: 10 } }
            phases:
              - name: slow
                duration: 60s
                rate: 100
                faults: [ { cell: back, latency: { fraction: 1, multiplier: 20, replicas: 1 } } ]
            """;
        var scenario = ScenarioParser.Parse(yaml, "hedges.yaml");
        var hedged = PathwayHormones.Default with { HedgeDelayMs = 30, MaxHedges = 1, RetryBudgetPercent = 100, RetryBudgetMinPerSecond = 1_000, BreakerEnabled = false };
        var budgeted = hedged with { RetryBudgetPercent = 10, RetryBudgetMinPerSecond = 0 };

        var generous = new Simulator(scenario, _ => hedged, seed: 6).Run();
        var capped = new Simulator(scenario, _ => budgeted, seed: 6).Run();

        // Half the first attempts go to the slow replica (200 ms): each is hedged, and the loser cancelled.
        generous.Amplification("front→back").ShouldBeGreaterThan(1.4);
        generous.AbandonedVisits.ShouldBeGreaterThan(2_000, "the slow replica's answers lost to the hedges");
        capped.Amplification("front→back").ShouldBeLessThan(1.12, "a hedge is paid from the retry budget, as live");
    }

    private static Scenario TwoCells(int backSlots, double backMs, double rate, double deadlineMs, int seconds) => ScenarioParser.Parse(
        $$"""
        name: cancel
        slo: { latencyMs: {{Inv(deadlineMs)}}, clientDeadlineMs: {{Inv(deadlineMs)}} }
        capacityRps: auto
        topology:
          entry: front
          cells:
            front: { slots: 1000, serviceTime: { constant: 1 }, calls: [ { target: back, count: 1 } ] }
            back: { slots: {{backSlots}}, serviceTime: { constant: {{Inv(backMs)}} } }
        phases:
          - { name: steady, duration: {{seconds}}s, rate: {{Inv(rate)}} }
        """,
        "cancel.yaml");

    private static string Inv(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
