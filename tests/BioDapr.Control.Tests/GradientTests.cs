using BioDapr.Control.Learning;

namespace BioDapr.Control.Tests;

/// <summary>Back-propagation and the PPO gradient checked against central finite differences.</summary>
public sealed class GradientTests
{
    private const float Step = 1e-2f;

    [Fact]
    public void MlpBackward_MatchesFiniteDifferences_ForEveryParameter()
    {
        var network = new Mlp(3, 5, 4, 2);
        network.Initialize(new Random(1), outputGain: 1f);
        float[] input = [0.3f, -0.7f, 0.5f];
        float[] weights = [0.8f, -1.3f];
        float Loss()
        {
            var output = network.Forward(input, network.NewActivations());
            return (weights[0] * output[0]) + (weights[1] * output[1] * output[1]);
        }

        var activations = network.NewActivations();
        var output = network.Forward(input, activations).ToArray();
        var gradient = new float[network.Parameters.Length];
        network.Backward(activations, [weights[0], 2 * weights[1] * output[1]], gradient);

        AssertMatches(network.Parameters, gradient, Loss);
    }

    [Fact]
    public void PpoLossGradient_MatchesFiniteDifferences_ForActorLogStdAndCritic()
    {
        var model = new ActorCritic(observationSize: 4, actionSize: 2, hidden: 6);
        model.Initialize(new Random(3), initialLogStd: -0.3f);
        model.Actor.Initialize(new Random(4), outputGain: 1f);
        var random = new Random(5);
        var batch = Enumerable.Range(0, 12).Select(i =>
        {
            var observation = Enumerable.Range(0, 4).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            var action = new float[2];
            var logProbability = model.Sample(observation, random, action);
            // Old log-probabilities a little off the current ones: ratios near 1, some clipped, some not.
            return new PpoSample(observation, action, logProbability + (float)((random.NextDouble() - 0.5) * 0.1), (float)((random.NextDouble() * 2) - 1), (float)random.NextDouble());
        }).ToList();
        var settings = new PpoSettings { Clip = 0.2f, ValueCoefficient = 0.5f, EntropyCoefficient = 0.01f };
        var actor = new float[model.Actor.Parameters.Length];
        var logStd = new float[model.ActionSize];
        var critic = new float[model.Critic.Parameters.Length];
        PpoLoss.Compute(model, batch, settings, actor, logStd, critic);
        float Loss() => PpoLoss.Compute(model, batch, settings, [], [], []).Total;

        AssertMatches(model.Actor.Parameters, actor, Loss);
        AssertMatches(model.LogStdValues, logStd, Loss);
        AssertMatches(model.Critic.Parameters, critic, Loss);
    }

    [Fact]
    public void Adam_MinimisesAQuadratic()
    {
        float[] x = [3f, -2f];
        var adam = new Adam(2, learningRate: 0.1f);

        for (var i = 0; i < 500; i++)
        {
            adam.Step(x, [2 * (x[0] - 1), 2 * (x[1] + 0.5f)]);
        }

        x[0].ShouldBe(1f, 0.01f);
        x[1].ShouldBe(-0.5f, 0.01f);
        Should.Throw<ArgumentException>(() => adam.Step(x, [1f]));
    }

    // Central differences in double precision around float parameters; the PPO clip makes the loss
    // piecewise, so a parameter whose step crosses a clip boundary may differ: allow a few of those.
    private static void AssertMatches(float[] parameters, float[] analytic, Func<float> loss)
    {
        var mismatches = new List<string>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var saved = parameters[i];
            parameters[i] = saved + Step;
            double up = loss();
            parameters[i] = saved - Step;
            double down = loss();
            parameters[i] = saved;
            var numeric = (up - down) / (2 * Step);
            if (Math.Abs(numeric - analytic[i]) > 2e-3 + (0.02 * Math.Abs(numeric)))
            {
                mismatches.Add($"θ[{i}]: analytic {analytic[i]:G5}, numeric {numeric:G5}");
            }
        }

        mismatches.Count.ShouldBeLessThanOrEqualTo(parameters.Length / 50, string.Join("; ", mismatches));
        analytic.ShouldContain(g => Math.Abs(g) > 1e-4, "the gradient is not trivially zero");
    }
}
