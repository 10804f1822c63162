namespace BioDapr.Control.Learning;

/// <summary>One step of experience for PPO.</summary>
/// <param name="Observation">What the agent saw.</param>
/// <param name="Action">What it did (the unclipped sample).</param>
/// <param name="LogProbability">log π_old(action | observation).</param>
/// <param name="Advantage">The (normalised) advantage estimate.</param>
/// <param name="Return">The return the critic should predict.</param>
public sealed record PpoSample(float[] Observation, float[] Action, float LogProbability, float Advantage, float Return);

/// <summary>PPO's hyper-parameters.</summary>
public sealed record PpoSettings
{
    /// <summary>Clip range ε of the probability ratio.</summary>
    public float Clip { get; init; } = 0.2f;

    /// <summary>Weight of the value loss.</summary>
    public float ValueCoefficient { get; init; } = 0.5f;

    /// <summary>Weight of the entropy bonus.</summary>
    public float EntropyCoefficient { get; init; } = 0.001f;
}

/// <summary>The losses of one PPO minibatch.</summary>
/// <param name="Policy">The clipped surrogate loss.</param>
/// <param name="Value">The value loss.</param>
/// <param name="Entropy">The policy's entropy (per action, Gaussian).</param>
/// <param name="Total">Policy + c_v·value − c_e·entropy (what is minimised).</param>
public readonly record struct PpoLosses(float Policy, float Value, float Entropy, float Total);

/// <summary>
/// The PPO clipped objective and its exact gradient for an <see cref="ActorCritic"/>:
/// <c>L = mean(−min(r·A, clip(r, 1−ε, 1+ε)·A)) + c_v·mean((V − R)²) − c_e·H</c>, with
/// <c>r = exp(log π(a|s) − log π_old(a|s))</c>. Tests check the gradient against finite differences.
/// </summary>
public static class PpoLoss
{
    private static readonly float EntropyConstant = 0.5f * (1 + MathF.Log(2 * MathF.PI));

    /// <summary>
    /// Computes the losses of <paramref name="batch"/>; when the gradient spans are not empty, adds
    /// dL/dθ for the actor, the log standard deviations and the critic into them.
    /// </summary>
    public static PpoLosses Compute(ActorCritic model, IReadOnlyList<PpoSample> batch, PpoSettings settings, Span<float> actorGradient, Span<float> logStdGradient, Span<float> criticGradient)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(settings);
        var withGradient = !actorGradient.IsEmpty;
        var n = batch.Count;
        var actions = model.ActionSize;
        var actorActivations = model.Actor.NewActivations();
        var criticActivations = model.Critic.NewActivations();
        var logStd = model.LogStdValues;
        var meanGradient = new float[actions];
        var valueGradient = new float[1];
        double policyLoss = 0, valueLoss = 0;
        foreach (var sample in batch)
        {
            var mean = model.Actor.Forward(sample.Observation, actorActivations);
            var logProbability = ActorCritic.LogProbability(sample.Action, mean, logStd);
            var ratio = MathF.Exp(logProbability - sample.LogProbability);
            var unclipped = ratio * sample.Advantage;
            var clipped = Math.Clamp(ratio, 1 - settings.Clip, 1 + settings.Clip) * sample.Advantage;
            policyLoss -= Math.Min(unclipped, clipped);
            var value = model.Critic.Forward(sample.Observation, criticActivations)[0];
            var error = value - sample.Return;
            valueLoss += error * error;
            if (!withGradient)
            {
                continue;
            }

            // d(−min)/d(log π) is −A·r where the unclipped term is the smaller one, else 0.
            var dLogProbability = unclipped <= clipped ? -sample.Advantage * ratio / n : 0f;
            for (var i = 0; i < actions; i++)
            {
                var variance = MathF.Exp(2 * logStd[i]);
                var difference = sample.Action[i] - mean[i];
                meanGradient[i] = dLogProbability * difference / variance;
                logStdGradient[i] += dLogProbability * ((difference * difference / variance) - 1);
            }

            model.Actor.Backward(actorActivations, meanGradient, actorGradient);
            valueGradient[0] = settings.ValueCoefficient * 2 * error / n;
            model.Critic.Backward(criticActivations, valueGradient, criticGradient);
        }

        var entropy = 0f;
        for (var i = 0; i < actions; i++)
        {
            entropy += logStd[i] + EntropyConstant;
            if (withGradient)
            {
                logStdGradient[i] -= settings.EntropyCoefficient;
            }
        }

        var policy = (float)(policyLoss / Math.Max(1, n));
        var valueMean = (float)(valueLoss / Math.Max(1, n));
        return new PpoLosses(policy, valueMean, entropy, policy + (settings.ValueCoefficient * valueMean) - (settings.EntropyCoefficient * entropy));
    }
}
