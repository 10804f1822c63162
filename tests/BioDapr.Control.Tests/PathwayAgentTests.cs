using BioDapr.Control.Controllers;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Tests;

public sealed class PathwayAgentTests
{
    [Fact]
    public void Observe_BuildsBoundedFeatures_AndLearnsTheCalmLatency()
    {
        var current = PathwayHormones.Default with { ConcurrencyLimit = 20, TimeoutMs = 100 };
        var memory = AgentMemory.For(current);

        var (calm, baseline) = PathwayAgent.Observe(new PathwayWindow(1, 200, 190, 10, 4, 5, 2, 10) { RttP99Ms = 20, Attempts = 220, Timeouts = 11, MaxInFlight = 20 }, current, memory);
        var (slow, _) = PathwayAgent.Observe(new PathwayWindow(1, 200, 200, 0, 0, 50, 2, 20) { RttP99Ms = 80, Attempts = 200, MaxInFlight = 20 }, current, memory with { BaselineRttMs = baseline });

        calm.Length.ShouldBe(PathwayAgent.FeatureNames.Count);
        calm.ShouldAllBe(f => float.IsFinite(f) && f >= -1 && f <= 1.01);
        baseline.ShouldBe(5);
        calm[0].ShouldBe(0.95f, 1e-6);
        calm[1].ShouldBe(0.02f, 1e-6);
        calm[3].ShouldBe(0.05f, 1e-6);
        calm[4].ShouldBe(0f);
        slow[4].ShouldBe((float)(Math.Log(50 / 5.05) / 3), 1e-5, "the calm latency forgets 1 % a window");
        slow[5].ShouldBe(0.5f);
    }

    [Fact]
    public void Act_MovesAtMostOneStepPerDecision_AndAccumulatesSmallSteps()
    {
        var current = PathwayHormones.Default with { ConcurrencyLimit = 20, TimeoutMs = 100 };
        var memory = AgentMemory.For(current);

        var (big, _) = PathwayAgent.Act([50f, -50f], current, memory, 3);
        var hormones = current;
        for (var i = 0; i < 10; i++)
        {
            (hormones, memory) = PathwayAgent.Act([0.1f, 0f], hormones, memory, 3);
        }

        big.ConcurrencyLimit.ShouldBe((int)Math.Round(20 * Math.Exp(0.25)));
        big.TimeoutMs.ShouldBe((int)Math.Round(100 * Math.Exp(-0.25)));
        hormones.ConcurrencyLimit.ShouldBe((int)Math.Round(20 * Math.Exp(0.25)), "ten steps of 2.5 % add up although each rounds to nothing");
    }

    [Fact]
    public void AnOperatorsChange_IsTakenAsTheNewStartingPoint()
    {
        var memory = new AgentMemory(3, 20.4, 100);

        var (next, remembered) = PathwayAgent.Act([0f, 0f], PathwayHormones.Default with { ConcurrencyLimit = 64, TimeoutMs = 100 }, memory, 3);

        next.ConcurrencyLimit.ShouldBe(64);
        remembered.Limit.ShouldBe(64);
    }

    [Fact]
    public void TheLearningController_IsDeterministicWithoutExploration_AndRecordsSamplesWithIt()
    {
        var model = new ActorCritic(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, 8);
        model.Initialize(new Random(1));
        model.Actor.Initialize(new Random(2), outputGain: 1f);
        var window = new PathwayWindow(1, 100, 100, 0, 0, 5, 2, 10);
        var recorded = new List<float>();

        var a = new LearningController(model).Decide("a→b", window, PathwayAgent.InitialHormones);
        var b = new LearningController(model).Decide("a→b", window, PathwayAgent.InitialHormones);
        new LearningController(model) { Exploration = new Random(3), Recorder = (_, _, _, logp) => recorded.Add(logp) }.Decide("a→b", window, PathwayAgent.InitialHormones);

        a.ShouldBe(b);
        recorded.ShouldHaveSingleItem().ShouldBeLessThan(0f);
    }
}
