namespace BioDapr.Control.Learning;

/// <summary>
/// The learning agent's model as the controller uses it: an observation in, the action's mean and a
/// value estimate out. <see cref="ActorCritic"/> implements it on System.Numerics.Tensors; another
/// backend (TorchSharp, ONNX Runtime) only has to implement this interface and read the weights file.
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
