namespace BioDapr.Scenarios.Tests;

public sealed class ScenarioParserTests
{
    private const string Minimal = """
        name: mini
        slo: { latencyMs: 100, clientDeadlineMs: 500 }
        topology:
          entry: a
          cells:
            a: { slots: 2, serviceTime: { constant: 10 }, calls: [ { target: b, count: 2 } ] }
            b: { slots: 4, serviceTime: { exponential: 5 } }
        phases:
          - { name: p1, duration: 10s, rate: 50% }
          - { name: p2, duration: 2m, rate: { from: 10, to: 30 }, faults: [ { cell: b, errors: { fraction: 0.25 } } ] }
        """;

    [Fact]
    public void ReferenceScenario_ParsesWithTheDocumentedShape()
    {
        var scenario = ScenarioParser.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "reference.yaml"));

        scenario.Duration.ShouldBe(TimeSpan.FromMinutes(15));
        scenario.CapacityRps.ShouldBe(400, 1e-9);
        scenario.Slo.ShouldBe(new ServiceLevel(250, 1000));
        scenario.Topology["orders"].Calls.ShouldBe([new DownstreamCall("inventory", 2)]);
        scenario.Phases.Select(p => p.Name).ShouldContain("capacity-loss");
        scenario.Phases.Single(p => p.Name == "capacity-loss").Faults.Single().ShouldBe(new Fault("orders", FaultKind.SlotReduction, Slots: 4));
        scenario.RateAt(TimeSpan.FromSeconds(30)).ShouldBe(200, 1e-9);
    }

    [Fact]
    public void Ramp_InterpolatesLinearly()
    {
        var scenario = ScenarioParser.Parse(Minimal, "mini.yaml");

        scenario.RateAt(TimeSpan.FromSeconds(10)).ShouldBe(10, 1e-9);
        scenario.RateAt(TimeSpan.FromSeconds(70)).ShouldBe(20, 1e-9);
        scenario.RateAt(TimeSpan.FromSeconds(200)).ShouldBe(0);
        scenario.CapacityRps.ShouldBe(2 / 0.020, 1e-9);
    }

    [Fact]
    public void Shortened_ScalesEveryPhase()
    {
        var scenario = ScenarioParser.Parse(Minimal, "mini.yaml").Shortened(0.1);

        scenario.Duration.ShouldBe(TimeSpan.FromSeconds(13));
        scenario.PhaseAt(TimeSpan.FromSeconds(1.5))!.Value.Phase.Name.ShouldBe("p2");
    }

    [Theory]
    [InlineData("rate: 50%", "rate: fast", "phases[0].rate: 'fast' is not a rate")]
    [InlineData("duration: 10s, rate: 50%", "duration: soon, rate: 50%", "phases[0].duration: 'soon' is not a positive duration")]
    [InlineData("cell: b, errors", "cell: zz, errors", "phases[1].faults[0].cell: 'zz' is not one of the cells")]
    [InlineData("fraction: 0.25", "fraction: 1.5", "must be between 0 and 1")]
    [InlineData("entry: a", "entry: nope", "topology.entry: 'nope' is not one of the cells")]
    [InlineData("target: b", "target: c", "target 'c' is not one of the cells")]
    [InlineData("slots: 2,", "slots: 0,", "topology.cells.a.slots: must be at least 1")]
    [InlineData("name: mini", "nmae: mini", "nmae: unknown field")]
    [InlineData("{ constant: 10 }", "{ gaussian: 10 }", "unknown field")]
    public void Errors_NameTheFieldAndLine(string from, string to, string expected)
    {
        var yaml = Minimal.Replace(from, to, StringComparison.Ordinal);

        var error = Should.Throw<ScenarioFormatException>(() => ScenarioParser.Parse(yaml, "bad.yaml"));

        error.Message.ShouldStartWith("bad.yaml: line ");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void InvalidYaml_ReportsTheLine()
    {
        var error = Should.Throw<ScenarioFormatException>(() => ScenarioParser.Parse("name: x\n  slo: : y\n\tbad", "broken.yaml"));

        error.Message.ShouldContain("broken.yaml: line ");
        error.Message.ShouldContain("invalid YAML");
    }

    [Fact]
    public void UnclosedFlowSequence_IsAnInvalidYamlError()
    {
        var error = Should.Throw<ScenarioFormatException>(() => ScenarioParser.Parse("name: [unclosed\nslo: x", "broken.yaml"));

        error.Message.ShouldStartWith("broken.yaml: invalid YAML");
    }

    [Fact]
    public void CallCycle_IsRejected()
    {
        var yaml = Minimal.Replace("b: { slots: 4, serviceTime: { exponential: 5 } }", "b: { slots: 4, serviceTime: { exponential: 5 }, calls: [ { target: a } ] }", StringComparison.Ordinal);

        Should.Throw<ScenarioFormatException>(() => ScenarioParser.Parse(yaml, "cycle.yaml")).Message.ShouldContain("cycle");
    }

    [Fact]
    public void Lognormal_SamplesHaveTheRequestedMeanAndCv()
    {
        var distribution = new Distribution(DistributionKind.Lognormal, 2.5, 0.5);
        var random = new Random(3);
        var samples = Enumerable.Range(0, 200_000).Select(_ => distribution.SampleMs(random)).ToArray();
        var mean = samples.Average();
        var sd = Math.Sqrt(samples.Select(s => (s - mean) * (s - mean)).Average());

        mean.ShouldBe(2.5, 0.02);
        (sd / mean).ShouldBe(0.5, 0.01);
    }
}
