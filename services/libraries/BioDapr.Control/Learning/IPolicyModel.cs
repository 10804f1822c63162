namespace BioDapr.Control.Learning;

/// <summary>
/// The learning agent's model as the controller uses it: an observation in, the action's mean and a
/// value estimate out. <see cref="PolicyNetwork"/> implements it on TorchSharp; another
/// backend (ONNX Runtime, say) only has to implement this interface and read the weights file.
/// </summary>
public interface IPolicyModel
{
    /// <summary>Features per observation.</summary>
    int ObservationSize { get; }

    /// <summary>Action dimensions.</summary>
    int ActionSize { get; }

    /// <summary>The log standard deviation of each action dimension (exploration noise while training).</summary>
    ReadOnlySpan<float> LogStd { get; }

    /// <summary>Writes the action's mean (the deterministic action) for <paramref name="observation"/>.</summary>
    void Mean(ReadOnlySpan<float> observation, Span<float> mean);

    /// <summary>The critic's estimate of the return from <paramref name="observation"/>.</summary>
    float Value(ReadOnlySpan<float> observation);
}

/// <summary>Drawing from the Gaussian policy of any <see cref="IPolicyModel"/> (exploration while training).</summary>
public static class PolicyModelExtensions
{
    /// <summary>Draws an action for <paramref name="observation"/> (mean + e^logStd · N(0, 1) per dimension); returns its log-probability.</summary>
    public static float Sample(this IPolicyModel model, ReadOnlySpan<float> observation, Random random, Span<float> action)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(random);
        model.Mean(observation, action);
        Span<float> mean = stackalloc float[action.Length];
        action.CopyTo(mean);
        for (var i = 0; i < action.Length; i++)
        {
            action[i] = mean[i] + (MathF.Exp(model.LogStd[i]) * (float)PolicyNetwork.StandardNormal(random));
        }

        return PolicyNetwork.LogProbability(action, mean, model.LogStd);
    }
}
