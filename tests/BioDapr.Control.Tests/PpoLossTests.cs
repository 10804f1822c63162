using BioDapr.Control.Learning;
using TorchSharp;

namespace BioDapr.Control.Tests;

/// <summary>PPO's clipped surrogate on TorchSharp: the clip must cut the gradient on both sides of 1 ± ε, and only where the clipped term is the smaller one.</summary>
public sealed class PpoLossTests : IDisposable
{
    private readonly PolicyNetwork _model;
    private readonly float[] _observation;
    private readonly float[] _action;
    private readonly float _logProbability;

    public PpoLossTests()
    {
        PolicyNetwork.SingleThreaded();
        _model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, 8);
        _model.Initialize(new Random(5));
        _observation = [.. Enumerable.Range(0, _model.ObservationSize).Select(i => (i % 7) / 7f)];
        _action = [.. Enumerable.Range(0, _model.ActionSize).Select(i => (i - 2) * 0.3f)];
        var mean = new float[_model.ActionSize];
        _model.Mean(_observation, mean);
        _logProbability = PolicyNetwork.LogProbability(_action, mean, _model.LogStd);
    }

    public void Dispose() => _model.Dispose();

    // A sample whose ratio π/π_old is exactly `ratio` (π_old's log-probability set accordingly).
    private PpoSample Sample(float ratio, float advantage) =>
        new(_observation, _action, _logProbability - MathF.Log(ratio), advantage, 0f);

    private double PolicyGradientNorm(PpoSample sample)
    {
        _model.zero_grad();
        using var scope = torch.NewDisposeScope();
        var settings = new PpoSettings { ValueCoefficient = 0, EntropyCoefficient = 0 };
        var (total, values) = PpoLoss.Compute(_model, [sample], settings);
        total.backward();
        var norm = _model.parameters().Where(p => p.grad is not null).Sum(p => p.grad!.pow(2).sum().item<float>());
        values.ClippedShare.ShouldBe(Math.Abs(MathF.Exp(_logProbability - sample.LogProbability) - 1) > settings.Clip ? 1f : 0f, 1e-4);
        return Math.Sqrt(norm);
    }

    [Fact]
    public void AboveOnePlusEpsilon_WithAPositiveAdvantage_TheClipStopsTheGradient()
    {
        PolicyGradientNorm(Sample(1.5f, 1f)).ShouldBe(0, 1e-9, "the ratio is already past 1 + ε; pushing it further must not pay");
        PolicyGradientNorm(Sample(1.1f, 1f)).ShouldBeGreaterThan(1e-4, "inside the clip range the gradient flows");
    }

    [Fact]
    public void BelowOneMinusEpsilon_WithANegativeAdvantage_TheClipStopsTheGradient()
    {
        PolicyGradientNorm(Sample(0.5f, -1f)).ShouldBe(0, 1e-9, "the ratio is already below 1 − ε; lowering it further must not pay");
        PolicyGradientNorm(Sample(0.9f, -1f)).ShouldBeGreaterThan(1e-4, "inside the clip range the gradient flows");
    }

    [Fact]
    public void OutsideTheRange_OnTheSideWhereTheUnclippedTermIsSmaller_TheGradientFlows()
    {
        // min(r·A, clip(r)·A) keeps the pessimistic term: a bad move (r high, A < 0) is still corrected.
        PolicyGradientNorm(Sample(1.5f, -1f)).ShouldBeGreaterThan(1e-4);
        PolicyGradientNorm(Sample(0.5f, 1f)).ShouldBeGreaterThan(1e-4);
    }

    [Fact]
    public void TheLossValue_IsTheClippedSurrogate()
    {
        var settings = new PpoSettings { ValueCoefficient = 0, EntropyCoefficient = 0 };
        using var scope = torch.NewDisposeScope();
        PpoLoss.Compute(_model, [Sample(1.5f, 2f)], settings).Values.Policy.ShouldBe(-1.2f * 2f, 1e-4);
        PpoLoss.Compute(_model, [Sample(0.5f, -2f)], settings).Values.Policy.ShouldBe(-0.8f * -2f, 1e-4);
        PpoLoss.Compute(_model, [Sample(1.5f, -2f)], settings).Values.Policy.ShouldBe(-1.5f * -2f, 1e-4);
    }

    [Fact]
    public void AnEmptyBatch_IsRefused()
    {
        Should.Throw<ArgumentException>(() => PpoLoss.Compute(_model, [], new PpoSettings())).Message.ShouldContain("at least one sample");
    }
}
