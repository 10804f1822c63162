using System.Diagnostics;
using BioDapr.Simulation.Randomness;
using TorchSharp;
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
    public int Hidden { get; init; } = 64;

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

    /// <summary>Reward per unit of latency margin ((SLO − p99) ÷ SLO at the entry, clipped to ±1).</summary>
    public float LatencyMarginWeight { get; init; } = 0.1f;

    /// <summary>Reward lost per unit of |Δ log limit| between decisions (oscillation).</summary>
    public float OscillationPenalty { get; init; } = 0.05f;

    /// <summary>Validate (deterministic policy on the validation scenarios) every this many iterations; the best weights are kept.</summary>
    public int ValidateEvery { get; init; } = 5;

    /// <summary>Generated validation scenarios (never used for training or evaluation).</summary>
    public int ValidationScenarios { get; init; } = 4;

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
/// <param name="Validation">The deterministic policy's mean efficiency on the validation scenarios (null when not validated this iteration).</param>
/// <param name="Elapsed">Time since training (or the resumed run) started.</param>
/// <param name="Remaining">Estimated time left.</param>
public sealed record TrainingProgress(int Iteration, int Of, double MeanEfficiency, double MeanReward, PpoLosses Losses, double? Validation, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>What a training run produced: the chosen weights and its learning curve.</summary>
/// <param name="Model">The weights chosen on the validation set.</param>
/// <param name="ChosenIteration">The iteration they come from.</param>
/// <param name="ValidationEfficiency">Their validation score.</param>
/// <param name="Curve">Every iteration's progress.</param>
public sealed record TrainingResult(PolicyNetwork Model, int ChosenIteration, double ValidationEfficiency, IReadOnlyList<TrainingProgress> Curve);

/// <summary>
/// Trains the <see cref="PolicyNetwork"/> with PPO (TorchSharp autograd, <c>torch.optim.Adam</c>) in the
/// simulator on generated training scenarios (<see cref="ScenarioGenerator.Training"/>). Every decision of
/// every pathway is a step; the reward of a step is the goodput efficiency (goodput ÷ oracle bound) of the
/// second the decision governed, plus a latency-margin term, minus penalties for oscillation of the limit
/// and for retry amplification above 1.2. Advantages use GAE per pathway trajectory; the episode's end is a
/// cut-off, not a terminal state, so the last step's value is the bootstrap. Every seed (scenario,
/// simulation streams, exploration, minibatch order, initial weights) derives from <see cref="PpoTrainingSettings.Seed"/>
/// through <see cref="Seeds"/>, so a seed replays the same training in any process. Every
/// <see cref="PpoTrainingSettings.ValidateEvery"/> iterations the deterministic policy is scored on
/// validation scenarios; the best weights, not the last iterate, are written. After each iteration a
/// checkpoint (weights and iteration) is written, so a stopped run resumes there (Adam's moments restart).
/// </summary>
public sealed class PpoTrainer(PpoTrainingSettings settings)
{
    /// <summary>Trains from scratch, or from the checkpoint at <paramref name="checkpointPath"/> when it exists; writes the chosen weights to <paramref name="outputPath"/>.</summary>
    public TrainingResult Train(string outputPath, string checkpointPath, Action<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        PolicyNetwork.SingleThreaded();
        var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, settings.Hidden);
        model.Initialize(new Random(Seeds.Derive(settings.Seed, 0x1417)));
        var first = 0;
        var bestValidation = double.NegativeInfinity;
        var bestIteration = 0;
        if (File.Exists(checkpointPath))
        {
            var (saved, provenance) = PolicyFile.Load(checkpointPath);
            if (provenance.Seed == settings.Seed && saved.Hidden == settings.Hidden)
            {
                model.Dispose();
                model = saved;
                first = provenance.Iterations;
                if (File.Exists(outputPath) && PolicyFile.Load(outputPath) is var (best, chosen) && chosen.Seed == settings.Seed)
                {
                    (bestValidation, bestIteration) = (chosen.ValidationEfficiency, chosen.ChosenIteration);
                    best.Dispose();
                }
            }
            else
            {
                saved.Dispose();
            }
        }

        using var optimizer = torch.optim.Adam(model.parameters(), settings.LearningRate);
        var clock = Stopwatch.StartNew();
        var curve = new List<TrainingProgress>();
        var efficiency = 0.0;
        for (var iteration = first; iteration < settings.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var episodes = Rollouts(model, iteration);
            var samples = episodes.SelectMany(e => e.Samples).ToList();
            efficiency = episodes.Average(e => e.Efficiency);
            var losses = Update(model, samples, new Random(Seeds.Derive(settings.Seed, iteration, 0x0DD)), optimizer);
            double? validation = null;
            if ((iteration + 1) % Math.Max(1, settings.ValidateEvery) == 0 || iteration + 1 == settings.Iterations)
            {
                validation = Validate(model, settings.ValidationScenarios, settings.Parallelism);
                if (validation > bestValidation)
                {
                    (bestValidation, bestIteration) = (validation.Value, iteration + 1);
                    PolicyFile.Save(outputPath, model, Provenance(iteration + 1, efficiency, bestValidation, bestIteration));
                }
            }

            PolicyFile.Save(checkpointPath, model, Provenance(iteration + 1, efficiency, bestValidation, bestIteration));
            var done = iteration + 1 - first;
            var elapsed = clock.Elapsed;
            var report = new TrainingProgress(
                iteration + 1,
                settings.Iterations,
                efficiency,
                episodes.Average(e => e.MeanReward),
                losses,
                validation,
                elapsed,
                elapsed / done * (settings.Iterations - iteration - 1));
            curve.Add(report);
            progress?.Invoke(report);
        }

        model.Dispose();
        var (chosenModel, _) = PolicyFile.Load(outputPath);
        return new TrainingResult(chosenModel, bestIteration, bestValidation, curve);
    }

    /// <summary>The deterministic policy's mean efficiency on the first <paramref name="count"/> validation scenarios.</summary>
    public static double Validate(IPolicyModel model, int count, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        var scores = new double[Math.Max(1, count)];
        Parallel.For(0, scores.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            var scenario = ScenarioGenerator.Validation(i);
            var controller = new LearningController(model, "cortex-validation") { SloMs = scenario.Slo.LatencyMs };
            scores[i] = ScenarioRun.Evaluate(scenario, controller, scenario.Seed).Efficiency;
        });
        return scores.Average();
    }

    private PolicyProvenance Provenance(int iterations, double efficiency, double validation, int chosen) =>
        new(settings.Seed, iterations, "ScenarioGenerator.Training", DateTimeOffset.UtcNow)
        {
            LastEfficiency = efficiency,
            ValidationEfficiency = double.IsFinite(validation) ? validation : 0,
            ChosenIteration = chosen,
        };

    private sealed record Episode(List<PpoSample> Samples, double Efficiency, double MeanReward);

    private Episode[] Rollouts(PolicyNetwork model, int iteration)
    {
        var episodes = new Episode[settings.EpisodesPerIteration];
        Parallel.For(0, episodes.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.Parallelism) }, e =>
        {
            var index = (iteration * settings.EpisodesPerIteration) + e;
            var scenario = ScenarioGenerator.Training(Seeds.Derive(settings.Seed, index));
            episodes[e] = Rollout(model, scenario, Seeds.Derive(settings.Seed, iteration, e, 0xE0));
        });
        return episodes;
    }

    /// <summary>Simulates one scenario with the exploring policy and turns it into PPO samples.</summary>
    private Episode Rollout(PolicyNetwork model, Scenario scenario, int seed)
    {
        var steps = new List<(string Pathway, float[] Observation, float[] Action, float LogProbability)>();
        var controller = new LearningController(model, "cortex-training")
        {
            Exploration = new Random(Seeds.Derive(seed, 0xE1)),
            Recorder = (pathway, observation, action, logProbability) => steps.Add((pathway, observation, action, logProbability)),
            SloMs = scenario.Slo.LatencyMs,
        };
        var simulator = new Simulator(scenario, controller, ScenarioRun.DecisionInterval, seed);
        var result = simulator.Run();
        var seconds = result.Seconds;
        var efficiencyOf = new double[seconds.Count + 2];
        var marginOf = new double[seconds.Count + 2];
        double good = 0, bound = 0;
        for (var s = 0; s < seconds.Count; s++)
        {
            var oracle = OracleBound.ForSecond(scenario, seconds[s]);
            good += seconds[s].Goodput;
            bound += oracle;
            efficiencyOf[s] = oracle >= 1 ? Math.Min(1.5, seconds[s].Goodput / oracle) : 0;
            var latencies = seconds[s].Latencies;
            if (latencies.Count > 0)
            {
                var sorted = latencies.Order().ToList();
                var p99 = sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)];
                marginOf[s] = Math.Clamp((scenario.Slo.LatencyMs - p99) / scenario.Slo.LatencyMs, -1, 1);
            }
        }

        var samples = new List<PpoSample>();
        double rewardSum = 0;
        var decisions = simulator.Decisions;
        var observationSize = model.ObservationSize;
        foreach (var trajectory in Enumerable.Range(0, steps.Count).GroupBy(i => steps[i].Pathway))
        {
            var indices = trajectory.ToList();
            var rewards = new float[indices.Count];
            var flat = new float[indices.Count * observationSize];
            for (var k = 0; k < indices.Count; k++)
            {
                steps[indices[k]].Observation.CopyTo(flat, k * observationSize);
                var second = Math.Min((int)Math.Round(decisions[indices[k]].AtMs / 1000), efficiencyOf.Length - 1);
                var amplification = k + 1 < indices.Count ? decisions[indices[k + 1]].Window.Amplification : 1;
                var previousLimit = k == 0 ? decisions[indices[k]].Chosen.ConcurrencyLimit : decisions[indices[k - 1]].Chosen.ConcurrencyLimit;
                var oscillation = Math.Abs(Math.Log((double)decisions[indices[k]].Chosen.ConcurrencyLimit / previousLimit));
                rewards[k] = (float)(efficiencyOf[second]
                    + (settings.LatencyMarginWeight * marginOf[second])
                    - (settings.OscillationPenalty * oscillation)
                    - (settings.AmplificationPenalty * Math.Max(0, amplification - 1.2)));
                rewardSum += rewards[k];
            }

            var values = model.Values(flat);
            var last = indices.Count - 1;
            if (last < 1)
            {
                continue;
            }

            // GAE. The run stops at the scenario's end, a cut-off rather than a terminal state: the last
            // step is not trained on, its value is the bootstrap for the step before.
            var advantages = Advantages(rewards[..last], values, settings.Gamma, settings.Lambda);
            for (var k = 0; k < last; k++)
            {
                var step = steps[indices[k]];
                samples.Add(new PpoSample(step.Observation, step.Action, step.LogProbability, advantages[k], advantages[k] + values[k]));
            }
        }

        return new Episode(samples, bound > 0 ? good / bound : 0, steps.Count == 0 ? 0 : rewardSum / steps.Count);
    }

    /// <summary>GAE advantages of one trajectory cut off after its last step (exposed for tests): the last value is the bootstrap.</summary>
    public static float[] Advantages(IReadOnlyList<float> rewards, IReadOnlyList<float> values, float gamma, float lambda)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != rewards.Count + 1)
        {
            throw new ArgumentException("values needs one more entry than rewards: the bootstrap value of the state after the cut-off", nameof(values));
        }

        var advantages = new float[rewards.Count];
        var advantage = 0f;
        for (var k = rewards.Count - 1; k >= 0; k--)
        {
            var delta = rewards[k] + (gamma * values[k + 1]) - values[k];
            advantage = delta + (gamma * lambda * advantage);
            advantages[k] = advantage;
        }

        return advantages;
    }

    private PpoLosses Update(PolicyNetwork model, List<PpoSample> samples, Random random, torch.optim.Optimizer optimizer)
    {
        if (samples.Count == 0)
        {
            return default;
        }

        // Normalise the advantages over the iteration.
        var mean = samples.Average(s => s.Advantage);
        var std = Math.Sqrt(samples.Average(s => (s.Advantage - mean) * (s.Advantage - mean))) + 1e-6;
        var normalised = samples.Select(s => s with { Advantage = (float)((s.Advantage - mean) / std) }).ToArray();
        PpoLosses losses = default;
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            random.Shuffle(normalised);
            for (var start = 0; start < normalised.Length; start += settings.MinibatchSize)
            {
                using var scope = torch.NewDisposeScope();
                var batch = new ArraySegment<PpoSample>(normalised, start, Math.Min(settings.MinibatchSize, normalised.Length - start));
                optimizer.zero_grad();
                var (total, values) = PpoLoss.Compute(model, batch, settings.Loss);
                total.backward();
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings.MaxGradientNorm);
                optimizer.step();
                using (torch.no_grad())
                {
                    model.LogStdParameter.clamp_(-2.5f, 0f);
                }

                losses = values;
            }
        }

        model.RefreshCache();
        return losses;
    }
}
