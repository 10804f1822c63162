using BioDapr.Control.Controllers;
using BioDapr.Control.Learning;
using BioDapr.Pathways.Hormones;

namespace BioDapr.Control.Tests;

public sealed class PathwayAgentTests
{
    private static readonly PathwayHormones Current = PathwayHormones.Default with { ConcurrencyLimit = 20, TimeoutMs = 100 };

    [Fact]
    public void Observe_BuildsBoundedFeatures_AndLearnsTheCalmLatency()
    {
        var memory = AgentMemory.For(Current);
        var (calm, baseline) = PathwayAgent.Observe(new PathwayWindow(1, 200, 190, 10, 4, 5, 2, 10) { RttP99Ms = 20, Attempts = 220, Timeouts = 11, MaxInFlight = 20, QueueDelayMs = 25 }, Current, memory, 100, NeighbourSignals.None, 20);
        var (slow, _) = PathwayAgent.Observe(new PathwayWindow(1, 200, 200, 0, 0, 50, 2, 20) { RttP99Ms = 80, Attempts = 200, MaxInFlight = 20 }, Current, memory with { BaselineRttMs = baseline }, 100, new NeighbourSignals(0.5, 2, 0.25), 40);

        calm.Length.ShouldBe(PathwayAgent.FeatureNames.Count);
        calm.ShouldAllBe(f => float.IsFinite(f) && f >= -1 && f <= 1.01);
        slow.ShouldAllBe(f => float.IsFinite(f) && f >= -1 && f <= 1.01);
        baseline.ShouldBe(5);
        calm[0].ShouldBe(0.95f, 1e-6);
        calm[1].ShouldBe(0.02f, 1e-6);
        calm[3].ShouldBe(0.05f, 1e-6);
        calm[4].ShouldBe(0f);
        calm[5].ShouldBe(0.05f, 1e-6, "p99 20 ms of a 100 ms SLO, scaled by 4");
        calm[6].ShouldBe(0.125f, 1e-6, "25 ms queueing of a 100 ms SLO, scaled by 2");
        slow[4].ShouldBe((float)(Math.Log(50 / 5.05) / 3), 1e-5, "the calm latency forgets 1 % a window");
        slow[12].ShouldBe(0.5f);
        slow[13].ShouldBe(0.5f, 1e-6);
        slow[14].ShouldBe(0.25f);
        slow[15].ShouldBe((float)Math.Log(2), 1e-6, "Gradient2 would double the limit");
    }

    [Fact]
    public void Observe_RefusesANonPositiveSlo()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => PathwayAgent.Observe(new PathwayWindow(1, 0, 0, 0, 0, 0, 0, 0), Current, AgentMemory.For(Current), 0, NeighbourSignals.None, 20));
    }

    [Fact]
    public void Act_IsAResidualOnGradient2_ClipsEveryAction_AndKeepsAShortHistory()
    {
        var window = new PathwayWindow(1, 100, 50, 50, 0, 10, 5, 3) { RttP99Ms = 200 };
        var (zero, memory) = PathwayAgent.Act([0f, 0f, 0f, 0f, 0f], Current, AgentMemory.For(Current), 3, 37, window, 100);
        var (big, _) = PathwayAgent.Act([50f, -50f, 50f, -50f, float.NaN], Current, AgentMemory.For(Current), 3, 37, window, 100);

        zero.ConcurrencyLimit.ShouldBe(37, "no residual: Gradient2's limit");
        zero.TimeoutMs.ShouldBe(100);
        zero.MaxRetries.ShouldBe(PathwayHormones.DefaultMaxRetries);
        zero.RetryBudgetPercent.ShouldBe(PathwayHormones.DefaultRetryBudgetPercent);
        zero.BreakerBreakMs.ShouldBe(PathwayHormones.DefaultBreakerBreakMs);
        memory.History.ShouldBe([0.5f, 0.5f, 1f, 0f]);
        big.ConcurrencyLimit.ShouldBe((int)Math.Round(37 * Math.Exp(0.5)));
        big.TimeoutMs.ShouldBe((int)Math.Round(100 * Math.Exp(-0.25)));
        big.MaxRetries.ShouldBe(3);
        big.RetryBudgetPercent.ShouldBe(Math.Round(20 * Math.Exp(-1.5), 1));
        big.BreakerBreakMs.ShouldBe(PathwayHormones.DefaultBreakerBreakMs, "a non-finite action is no action");
        Should.Throw<ArgumentException>(() => PathwayAgent.Act([0f], Current, AgentMemory.For(Current), 3, 37, window, 100));
    }

    [Fact]
    public void ACutBelowGradient2_NeedsEvidenceOfCongestion()
    {
        // A slower but healthy backend: p99 60 ms of 250, nothing failed or timed out.
        var slow = new PathwayWindow(1, 100, 100, 0, 0, 45, 40, 10) { RttP99Ms = 60, Attempts = 100 };
        var queueing = slow with { RttP99Ms = 240, Successes = 80, Failures = 20, Timeouts = 20 };
        var (kept, _) = PathwayAgent.Act([-1f, 0f, 0f, 0f, 0f], Current, AgentMemory.For(Current), 3, 20, slow, 250);
        var (cut, _) = PathwayAgent.Act([-1f, 0f, 0f, 0f, 0f], Current, AgentMemory.For(Current), 3, 20, queueing, 250);
        var (raised, _) = PathwayAgent.Act([1f, 0f, 0f, 0f, 0f], Current, AgentMemory.For(Current), 3, 20, slow, 250);

        PathwayAgent.Congestion(slow, 250).ShouldBe(0);
        PathwayAgent.Congestion(slow with { RttP99Ms = 150 }, 250).ShouldBe(0.5, 1e-9);
        PathwayAgent.Congestion(queueing, 250).ShouldBe(1);
        kept.ConcurrencyLimit.ShouldBe(20, "no congestion: Gradient2's limit stands");
        cut.ConcurrencyLimit.ShouldBe((int)Math.Round(20 * Math.Exp(-0.5)));
        raised.ConcurrencyLimit.ShouldBe((int)Math.Round(20 * Math.Exp(0.5)), "raising needs no evidence");
    }

    [Fact]
    public void OfferedOverLimit_IsLittlesLaw()
    {
        // 200 calls a second at 50 ms ask for 10 slots: half of a limit of 20, 4× a limit of 2.5.
        var window = new PathwayWindow(1, 200, 200, 0, 0, 50, 40, 10);
        PathwayAgent.OfferedOverLimit(window, 20).ShouldBe(Math.Log(0.5) / Math.Log(8), 1e-9);
        PathwayAgent.OfferedOverLimit(window, 1).ShouldBe(1);
        PathwayAgent.OfferedOverLimit(new PathwayWindow(1, 0, 0, 0, 0, 0, 0, 0), 20).ShouldBe(0);
    }

    [Fact]
    public void AnOperatorsTimeout_IsTakenAsTheNewStartingPoint()
    {
        var memory = new AgentMemory(3, 20.4, 100.4);
        var (next, remembered) = PathwayAgent.Act([0f, 0f, 0f, 0f, 0f], PathwayHormones.Default with { ConcurrencyLimit = 64, TimeoutMs = 300 }, memory, 3, 64, new PathwayWindow(1, 0, 0, 0, 0, 0, 0, 0), 100);
        next.TimeoutMs.ShouldBe(300);
        remembered.TimeoutMs.ShouldBe(300);
    }

    [Fact]
    public void TheLearningController_IsDeterministicWithoutExploration_SeesItsNeighbours_AndRecordsSamplesWithIt()
    {
        using var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, 8);
        model.Initialize(new Random(1));
        var window = new PathwayWindow(1, 100, 100, 0, 0, 5, 2, 10);
        var troubled = new PathwayWindow(1, 100, 40, 60, 0, 5, 2, 10) { RttP99Ms = 500 };
        var recorded = new List<(string Pathway, float[] Observation, float LogProbability)>();
        var a = new LearningController(model).Decide("a→b", window, PathwayAgent.InitialHormones);
        var b = new LearningController(model).Decide("a→b", window, PathwayAgent.InitialHormones);
        var exploring = new LearningController(model) { Exploration = new Random(3), Recorder = (p, o, _, logp) => recorded.Add((p, o, logp)), SloMs = 250 };
        exploring.Decide("b→c", troubled, PathwayAgent.InitialHormones);
        exploring.Decide("a→b", window, PathwayAgent.InitialHormones);

        a.ShouldBe(b);
        recorded.Count.ShouldBe(2);
        recorded.ShouldAllBe(r => r.LogProbability < 0f);
        recorded[1].Observation[12].ShouldBe(0.6f, 1e-6, "b→c is a→b's downstream");
        recorded[1].Observation[13].ShouldBe(0.5f, 1e-6);
    }

    [Fact]
    public void TheResidual_ScalesGradient2sOwnLimit_AndDoesNotCompound()
    {
        using var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, 8);
        model.Initialize(new Random(1));
        var controller = new LearningController(model);
        var quiet = new PathwayWindow(1, 10, 10, 0, 0, 5, 2, 1);
        var hormones = PathwayHormones.Default with { ConcurrencyLimit = 100 };
        var limits = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            hormones = controller.Decide("a→b", quiet, hormones);
            limits.Add(hormones.ConcurrencyLimit);
        }

        // Gradient2 holds 100 on a quiet pathway; the (small) residual keeps the agent near it every time.
        limits.ShouldAllBe(l => l >= 60 && l <= 165);
        limits.Distinct().Count().ShouldBe(1, "the same window and Gradient2's same limit give the same decision");
    }
}
