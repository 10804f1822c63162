namespace BioDapr.Scenarios.Tests;

/// <summary>The format's extensions for the suite's families: client retries, replicas, several entry APIs.</summary>
public sealed class ScenarioFamilyFormatTests
{
    private const string MultiApi = """
        name: multi
        slo: { latencyMs: 100, clientDeadlineMs: 500 }
        clients: { retries: 2, backoffMs: 40 }
        topology:
          apis:
            cheap: { cell: a, share: 3 }
            dear:  { cell: b, share: 1 }
          cells:
            a:  { slots: 256, serviceTime: { constant: 0.2 }, calls: [ { target: db, count: 1 } ] }
            b:  { slots: 256, serviceTime: { constant: 0.2 }, calls: [ { target: db, count: 4 } ] }
            db: { slots: 5, replicas: 2, serviceTime: { constant: 10 } }
        phases:
          - { name: calm, duration: 10s, rate: 50% }
          - { name: dear-surge, duration: 10s, rate: 100%, mix: { cheap: 1, dear: 3 } }
          - name: slow
            duration: 10s
            rate: 50%
            faults: [ { cell: db, latency: { multiplier: 10, replicas: 1 } } ]
        """;

    [Fact]
    public void MultiApiScenario_ParsesApisSharesMixReplicasAndClients()
    {
        var scenario = ScenarioParser.Parse(MultiApi, "multi.yaml");

        scenario.Clients.ShouldBe(new ClientBehaviour(2, 40));
        scenario.Topology.Apis.Select(a => (a.Name, a.Cell, a.Share)).ShouldBe([("cheap", "a", 3.0), ("dear", "b", 1.0)]);
        scenario.Topology["db"].Replicas.ShouldBe(2);
        scenario.Phases[0].SharesOf(scenario.Topology).Select(s => s.Share).ShouldBe([0.75, 0.25]);
        scenario.Phases[1].SharesOf(scenario.Topology).Select(s => s.Share).ShouldBe([0.25, 0.75]);
        scenario.Phases[2].Faults.Single().Replicas.ShouldBe(1);

        // db: 2 replicas x 5 slots / 10 ms = 1000 calls/s; an average request makes 0.75 x 1 + 0.25 x 4 = 1.75 calls.
        scenario.CapacityRps.ShouldBe(1000 / 1.75, 1e-6);
    }

    [Fact]
    public void SingleEntryScenario_HasOneApiNamedAfterItsCell_AndNoClientRetries()
    {
        var scenario = ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml"));

        scenario.Topology.Apis.ShouldBe([new EntryApi("gateway", "gateway", 1)]);
        scenario.Clients.ShouldBe(ClientBehaviour.None);
        scenario.Topology["orders"].Replicas.ShouldBe(1);
    }

    [Theory]
    [InlineData("apis:", "entry: a\n  apis:", "topology: needs exactly one of entry (one API) or apis")]
    [InlineData("cell: b, share: 1", "cell: zz, share: 1", "topology.apis.dear.cell: 'zz' is not one of the cells")]
    [InlineData("share: 3", "share: -1", "topology.apis.cheap.share: must be greater than 0")]
    [InlineData("mix: { cheap: 1, dear: 3 }", "mix: { cheap: 1, other: 3 }", "phases[1].mix.other: 'other' is not one of the entry APIs (cheap, dear)")]
    [InlineData("mix: { cheap: 1, dear: 3 }", "mix: { cheap: 0, dear: 0 }", "phases[1].mix: the shares must not all be 0")]
    [InlineData("mix: { cheap: 1, dear: 3 }", "mix: { cheap: 1, dear: -3 }", "phases[1].mix.dear: must not be negative")]
    [InlineData("replicas: 2,", "replicas: 0,", "topology.cells.db.replicas: must be between 1 and 64")]
    [InlineData("multiplier: 10, replicas: 1", "multiplier: 10, replicas: 3", "phases[2].faults[0].latency.replicas: must be between 1 and the cell's replicas (2)")]
    [InlineData("retries: 2,", "retries: -1,", "clients.retries: must be between 0 and 10")]
    [InlineData("backoffMs: 40", "backoffMs: -5", "clients.backoffMs: must not be negative")]
    [InlineData("backoffMs: 40", "backofMs: 40", "clients.backofMs: unknown field (expected one of: retries, backoffMs)")]
    public void Errors_NameTheField(string from, string to, string expected)
    {
        var yaml = MultiApi.Replace(from, to, StringComparison.Ordinal);

        var error = Should.Throw<ScenarioFormatException>(() => ScenarioParser.Parse(yaml, "bad.yaml"));

        error.Message.ShouldStartWith("bad.yaml: line ");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void EverySuiteFile_Parses_AndTheSuiteCoversEveryFamily()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "scenarios", "suite");
        var scenarios = Directory.GetFiles(directory, "*.yaml").Select(ScenarioParser.Load).ToList();

        scenarios.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal).ShouldBe(
        [
            "suite-capacity-shift", "suite-combined-faults", "suite-downstream-latency", "suite-multi-api",
            "suite-retry-storm", "suite-slow-replicas", "suite-tight-slo",
        ]);
        scenarios.Single(s => s.Name == "suite-retry-storm").Clients.Retries.ShouldBeGreaterThan(0);
        scenarios.Single(s => s.Name == "suite-multi-api").Topology.Apis.Count.ShouldBe(3);
        scenarios.Single(s => s.Name == "suite-slow-replicas").Phases.SelectMany(p => p.Faults).ShouldContain(f => f.Replicas > 0);
    }
}
