using System.Diagnostics;
using BioDapr.Control.Learning;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;

namespace BioDapr.Simulation.Training;

/// <summary>Training settings (the defaults produced the shipped weights).</summary>
public sealed record PpoTrainingSettings
{
    /// <summary>The seed every scenario, exploration draw and initial weight derives from.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>PPO iterations (each: rollouts, then updates).</summary>
    public int Iterations { get; init; } = 60;

    /// <summary>Generated scenarios simulated per iteration.</summary>
    public int EpisodesPerIteration { get; init; } = 8;

    /// <summary>Hidden units per layer.</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>Adam's learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Passes over each iteration's samples.</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>Samples per gradient step.</summary>
    public int MinibatchSize { get; init; } = 256;

    /// <summary>Discount per decision (1 s).</summary>
    public float Gamma { get; init; } = 0.9f;

    /// <summary>GAE's λ.</summary>
    public float Lambda { get; init; } = 0.9f;

    /// <summary>Gradient norm cap.</summary>
    public float MaxGradientNorm { get; init; } = 0.5f;

    /// <summary>Reward lost per unit of retry amplification above 1.2 in a window.</summary>
    public float AmplificationPenalty { get; init; } = 1f;

    /// <summary>The PPO loss settings.</summary>
    public PpoSettings Loss { get; init; } = new();

    /// <summary>Rollouts run in parallel (default: the processor count).</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>One iteration's outcome, reported as training goes.</summary>
/// <param name="Iteration">The iteration just finished (1-based).</param>
/// <param name="Of">Iterations in total.</param>
/// <param name="MeanEfficiency">Mean goodput efficiency of the iteration's (exploring) episodes.</param>
/// <param name="MeanReward">Mean reward per decision.</param>
/// <param name="Losses">The last minibatch's losses.</param>
/// <param name="Elapsed">Time since training (or the resumed run) started.</param>
/// <param name="Remaining">Estimated time left.</param>
public sealed record TrainingProgress(int Iteration, int Of, double MeanEfficiency, double MeanReward, PpoLosses Losses, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>
/// Trains the <see cref="ActorCritic"/> with PPO in the simulator on <see cref="ScenarioGenerator"/>
/// scenarios. Every decision of every pathway is a step; the shared reward of a step is the goodput
/// efficiency (goodput ÷ oracle bound) of the second the decision governed, minus a penalty for retry
/// amplification above 1.2; advantages use GAE per pathway trajectory. Rollouts of one iteration run in
/// parallel but are gathered in episode order, so a seed replays the same training. After each iteration
/// a checkpoint (weights and the iteration reached) is written, so a stopped run resumes there.
/// </summary>
public sealed class PpoTrainer(PpoTrainingSettings settings)
{
    /// <summary>Trains from scratch, or from the checkpoint at <paramref name="checkpointPath"/> when it exists; writes the final weights to <paramref name="outputPath"/>.</summary>
    public ActorCritic Train(string outputPath, string checkpointPath, Action<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var model = new ActorCritic(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, settings.Hidden);
        var first = 0;
        if (File.Exists(checkpointPath))
        {
            var (saved, provenance) = PolicyFile.Load(checkpointPath);
            if (provenance.Seed == settings.Seed && saved.Actor.Parameters.Length == model.Actor.Parameters.Length)
            {
                saved.Actor.Parameters.CopyTo(model.Actor.Parameters, 0);
                saved.Critic.Parameters.CopyTo(model.Critic.Parameters, 0);
                saved.LogStdValues.CopyTo(model.LogStdValues, 0);
                first = provenance.Iterations;
            }
        }

        if (first == 0)
        {
            model.Initialize(new Random(settings.Seed));
        }

        var actorAdam = new Adam(model.Actor.Parameters.Length, settings.LearningRate);
        var logStdAdam = new Adam(model.ActionSize, settings.LearningRate);
        var criticAdam = new Adam(model.Critic.Parameters.Length, settings.LearningRate);
        var clock = Stopwatch.StartNew();
        var efficiency = 0.0;
        for (var iteration = first; iteration < settings.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var episodes = Rollouts(model, iteration);
            var samples = episodes.SelectMany(e => e.Samples).ToList();
            efficiency = episodes.Average(e => e.Efficiency);
            var losses = Update(model, samples, new Random(HashCode.Combine(settings.Seed, iteration, 17)), actorAdam, logStdAdam, criticAdam);
            PolicyFile.Save(checkpointPath, model, new PolicyProvenance(settings.Seed, iteration + 1, "ScenarioGenerator", DateTimeOffset.UtcNow) { LastEfficiency = efficiency });
            var done = iteration + 1 - first;
            var elapsed = clock.Elapsed;
            progress?.Invoke(new TrainingProgress(
                iteration + 1,
                settings.Iterations,
                efficiency,
                episodes.Average(e => e.MeanReward),
                losses,
                elapsed,
                elapsed / done * (settings.Iterations - iteration - 1)));
        }

        PolicyFile.Save(outputPath, model, new PolicyProvenance(settings.Seed, settings.Iterations, "ScenarioGenerator", DateTimeOffset.UtcNow) { LastEfficiency = efficiency });
        return model;
    }

    private sealed record Episode(List<PpoSample> Samples, double Efficiency, double MeanReward);

    private Episode[] Rollouts(ActorCritic model, int iteration)
    {
        var episodes = new Episode[settings.EpisodesPerIteration];
        Parallel.For(0, episodes.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism) }, e =>
        {
            var seed = HashCode.Combine(settings.Seed, iteration, e);
            episodes[e] = Rollout(model, ScenarioGenerator.Generate(seed), seed);
        });
        return episodes;
    }

    /// <summary>Simulates one scenario with the exploring policy and turns it into PPO samples.</summary>
    private Episode Rollout(ActorCritic model, Scenario scenario, int seed)
    {
        var steps = new List<(string Pathway, float[] Observation, float[] Action, float LogProbability)>();
        var controller = new LearningController(model, "cortex-training")
        {
            Exploration = new Random(seed),
            Recorder = (pathway, observation, action, logProbability) => steps.Add((pathway, observation, action, logProbability)),
        };
        var simulator = new Simulator(scenario, controller, ScenarioRun.DecisionInterval, seed);
        var result = simulator.Run();
        var seconds = result.Seconds;
        var efficiencyOf = new double[seconds.Count + 2];
        double good = 0, bound = 0;
        for (var s = 0; s < seconds.Count; s++)
        {
            var oracle = OracleBound.ForSecond(scenario, seconds[s]);
            good += seconds[s].Goodput;
            bound += oracle;
            efficiencyOf[s] = oracle >= 1 ? Math.Min(1.5, seconds[s].Goodput / oracle) : 0;
        }

        var samples = new List<PpoSample>();
        double rewardSum = 0;
        var decisions = simulator.Decisions;
        foreach (var trajectory in Enumerable.Range(0, steps.Count).GroupBy(i => steps[i].Pathway))
        {
            var indices = trajectory.ToList();
            var rewards = new float[indices.Count];
            var values = new float[indices.Count];
            for (var k = 0; k < indices.Count; k++)
            {
                var second = (int)Math.Round(decisions[indices[k]].AtMs / 1000);
                var amplification = k + 1 < indices.Count ? decisions[indices[k + 1]].Window.Amplification : 1;
                rewards[k] = (float)(efficiencyOf[Math.Min(second, efficiencyOf.Length - 1)] - (settings.AmplificationPenalty * Math.Max(0, amplification - 1.2)));
                values[k] = model.Value(steps[indices[k]].Observation);
                rewardSum += rewards[k];
            }

            // Generalised advantage estimation; the episode's end is terminal.
            var advantage = 0f;
            for (var k = indices.Count - 1; k >= 0; k--)
            {
                var nextValue = k + 1 < indices.Count ? values[k + 1] : 0f;
                var delta = rewards[k] + (settings.Gamma * nextValue) - values[k];
                advantage = delta + (settings.Gamma * settings.Lambda * advantage);
                var step = steps[indices[k]];
                samples.Add(new PpoSample(step.Observation, step.Action, step.LogProbability, advantage, advantage + values[k]));
            }
        }

        return new Episode(samples, bound > 0 ? good / bound : 0, steps.Count == 0 ? 0 : rewardSum / steps.Count);
    }

    private PpoLosses Update(ActorCritic model, List<PpoSample> samples, Random random, Adam actorAdam, Adam logStdAdam, Adam criticAdam)
    {
        if (samples.Count == 0)
        {
            return default;
        }

        // Normalise the advantages over the iteration.
        var mean = samples.Average(s => s.Advantage);
        var std = Math.Sqrt(samples.Average(s => (s.Advantage - mean) * (s.Advantage - mean))) + 1e-6;
        var normalised = samples.Select(s => s with { Advantage = (float)((s.Advantage - mean) / std) }).ToArray();
        var actorGradient = new float[model.Actor.Parameters.Length];
        var logStdGradient = new float[model.ActionSize];
        var criticGradient = new float[model.Critic.Parameters.Length];
        PpoLosses losses = default;
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            random.Shuffle(normalised);
            for (var start = 0; start < normalised.Length; start += settings.MinibatchSize)
            {
                var batch = new ArraySegment<PpoSample>(normalised, start, Math.Min(settings.MinibatchSize, normalised.Length - start));
                Array.Clear(actorGradient);
                Array.Clear(logStdGradient);
                Array.Clear(criticGradient);
                losses = PpoLoss.Compute(model, batch, settings.Loss, actorGradient, logStdGradient, criticGradient);
                ClipNorm(actorGradient, settings.MaxGradientNorm);
                ClipNorm(criticGradient, settings.MaxGradientNorm);
                actorAdam.Step(model.Actor.Parameters, actorGradient);
                logStdAdam.Step(model.LogStdValues, logStdGradient);
                criticAdam.Step(model.Critic.Parameters, criticGradient);
                for (var i = 0; i < model.ActionSize; i++)
                {
                    model.LogStdValues[i] = Math.Clamp(model.LogStdValues[i], -2.5f, 0f);
                }
            }
        }

        return losses;
    }

    private static void ClipNorm(float[] gradient, float maxNorm)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(gradient));
        if (norm > maxNorm)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, maxNorm / norm, gradient);
        }
    }
}
