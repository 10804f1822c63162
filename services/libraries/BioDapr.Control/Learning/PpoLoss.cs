using static TorchSharp.torch;

namespace BioDapr.Control.Learning;

/// <summary>One step of experience for PPO.</summary>
/// <param name="Observation">What the agent saw.</param>
/// <param name="Action">What it did (the unclipped sample).</param>
/// <param name="LogProbability">log π_old(action | observation).</param>
/// <param name="Advantage">The advantage estimate (normalised per iteration before the update).</param>
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

/// <summary>The losses of one PPO minibatch (values, for reports).</summary>
/// <param name="Policy">The clipped surrogate loss.</param>
/// <param name="Value">The value loss.</param>
/// <param name="Entropy">The policy's entropy (summed over action dimensions).</param>
/// <param name="Total">Policy + c_v·value − c_e·entropy (what is minimised).</param>
/// <param name="ClippedShare">Share of samples whose ratio was outside 1 ± ε.</param>
public readonly record struct PpoLosses(float Policy, float Value, float Entropy, float Total, float ClippedShare);

/// <summary>
/// PPO's clipped objective as a TorchSharp graph (autograd differentiates it):
/// <c>L = mean(−min(r·A, clip(r, 1−ε, 1+ε)·A)) + c_v·mean((V − R)²) − c_e·H</c>,
/// <c>r = exp(log π(a|s) − log π_old(a|s))</c>.
/// </summary>
public static class PpoLoss
{
    /// <summary>Builds the loss of <paramref name="batch"/>; the returned tensor is the total, ready for <c>backward()</c>.</summary>
    public static (Tensor Total, PpoLosses Values) Compute(PolicyNetwork model, IReadOnlyList<PpoSample> batch, PpoSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(settings);
        if (batch.Count == 0)
        {
            throw new ArgumentException("a PPO minibatch needs at least one sample", nameof(batch));
        }

        var n = batch.Count;
        var observations = tensor(batch.SelectMany(s => s.Observation).ToArray(), [n, model.ObservationSize]);
        var actions = tensor(batch.SelectMany(s => s.Action).ToArray(), [n, model.ActionSize]);
        var oldLogProbability = tensor(batch.Select(s => s.LogProbability).ToArray());
        var advantages = tensor(batch.Select(s => s.Advantage).ToArray());
        var returns = tensor(batch.Select(s => s.Return).ToArray());
        var (mean, value) = model.forward(observations);
        var ratio = (model.LogProbability(actions, mean) - oldLogProbability).exp();
        var surrogate = minimum(ratio * advantages, ratio.clamp(1 - settings.Clip, 1 + settings.Clip) * advantages);
        var policy = -surrogate.mean();
        var valueLoss = (value - returns).pow(2).mean();
        var entropy = model.Entropy();
        var total = policy + (settings.ValueCoefficient * valueLoss) - (settings.EntropyCoefficient * entropy);
        float clipped;
        using (no_grad())
        {
            clipped = ((ratio - 1).abs() > settings.Clip).to_type(ScalarType.Float32).mean().item<float>();
        }

        return (total, new PpoLosses(policy.item<float>(), valueLoss.item<float>(), entropy.item<float>(), total.item<float>(), clipped));
    }
}
