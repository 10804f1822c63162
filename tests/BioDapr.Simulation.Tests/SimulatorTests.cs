using BioDapr.Pathways.Hormones;
using BioDapr.Scenarios;

namespace BioDapr.Simulation.Tests;

/// <summary>The simulator against queueing theory, and its determinism.</summary>
public sealed class SimulatorTests
{
    [Theory]
    [InlineData(1, 80.0)]
    [InlineData(4, 320.0)]
    [InlineData(8, 560.0)]
    public void AnMMcQueue_MatchesThroughputAndErlangCWaitingTime(int servers, double arrivalsPerSecond)
    {
        const double serviceMs = 10;
        var scenario = SingleCell(servers, serviceMs, arrivalsPerSecond, seconds: 2_000);

        var result = new Simulator(scenario, seed: 7).Run();

        var mu = 1000 / serviceMs;
        var expectedWaitMs = ErlangC(servers, arrivalsPerSecond / mu) / ((servers * mu) - arrivalsPerSecond) * 1000;
        var throughput = result.Completed / 2_000.0;
        throughput.ShouldBe(arrivalsPerSecond, arrivalsPerSecond * 0.02);
        result.MeanQueueWaitMs["server"].ShouldBe(expectedWaitMs, expectedWaitMs * 0.03);
    }

    [Fact]
    public void TheSameSeed_ReplaysExactly_AndAnotherSeedDoesNot()
    {
        var scenario = ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml")).Shortened(0.1);

        var first = new Simulator(scenario, seed: 3).Run();
        var again = new Simulator(scenario, seed: 3).Run();
        var other = new Simulator(scenario, seed: 4).Run();

        again.Seconds.Select(s => (s.Arrivals, s.Goodput, s.Failed)).ShouldBe(first.Seconds.Select(s => (s.Arrivals, s.Goodput, s.Failed)));
        other.Seconds.Select(s => s.Arrivals).ShouldNotBe(first.Seconds.Select(s => s.Arrivals));
    }

    [Fact]
    public void TheReferenceScenario_IsHealthyWhenSteady_AndHurtByTheOutage()
    {
        var scenario = ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml"));

        var result = new Simulator(scenario, seed: 1).Run();

        double Efficiency(int from, int to)
        {
            var window = result.Seconds.Skip(from).Take(to - from).ToList();
            return (double)window.Sum(s => s.Goodput) / window.Sum(s => s.Arrivals);
        }

        Efficiency(70, 170).ShouldBeGreaterThan(0.95, "steady at 70% of capacity");
        Efficiency(370, 420).ShouldBeLessThan(0.2, "during the inventory outage nothing succeeds");
        result.Events.ShouldBeGreaterThan(1_000_000);
    }

    [Fact]
    public void DuringAnErrorBurst_TheRetryBudgetCapsAmplification()
    {
        var yaml = """
            name: errors
            slo: { latencyMs: 250, clientDeadlineMs: 1000 }
            capacityRps: 400
            topology:
              entry: front
              cells:
                front: { slots: 64, serviceTime: { constant: 1 }, calls: [ { target: back, count: 1 } ] }
                back: { slots: 64, serviceTime: { constant: 1 } }
            phases:
              - name: burst
                duration: 60s
                rate: 200
                faults: [ { cell: back, errors: { fraction: 0.9, status: 503 } } ]
            """;
        var scenario = ScenarioParser.Parse(yaml, "errors.yaml");
        var generous = PathwayHormones.Default with { MaxRetries = 5, RetryBudgetPercent = 100, RetryBudgetMinPerSecond = 1000, BreakerEnabled = false };
        var budgeted = generous with { RetryBudgetPercent = 10, RetryBudgetMinPerSecond = 0 };

        var unlimited = new Simulator(scenario, _ => generous, seed: 5).Run();
        var capped = new Simulator(scenario, _ => budgeted, seed: 5).Run();

        unlimited.Amplification("front→back").ShouldBeGreaterThan(3);
        capped.Amplification("front→back").ShouldBeLessThan(1.15);
    }

    private static Scenario SingleCell(int servers, double serviceMs, double rate, int seconds) => ScenarioParser.Parse(
        $$"""
        name: mmc
        slo: { latencyMs: 100000, clientDeadlineMs: 100000 }
        capacityRps: auto
        topology:
          entry: server
          cells:
            server: { slots: {{servers}}, serviceTime: { exponential: {{serviceMs.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } }
        phases:
          - { name: steady, duration: {{seconds}}s, rate: {{rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }
        """,
        "mmc.yaml");

    // Erlang C: the probability that an arrival waits, for c servers and offered load a = λ/μ.
    private static double ErlangC(int c, double a)
    {
        var term = 1.0;
        var sum = 1.0;
        for (var k = 1; k < c; k++)
        {
            term *= a / k;
            sum += term;
        }

        var last = term * a / c;
        var rho = a / c;
        var top = last / (1 - rho);
        return top / (sum + top);
    }
}
