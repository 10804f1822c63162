using System.Numerics.Tensors;

namespace BioDapr.Control.Learning;

/// <summary>
/// A small fully connected network (tanh hidden layers, linear output) whose parameters live in one
/// flat array, so optimisers, the weights file and gradient checks see a single vector. Each layer
/// stores its weights row-major (<c>out × in</c>) followed by its biases. Forward and backward use
/// <see cref="TensorPrimitives"/> for the dot products and element-wise work.
/// </summary>
public sealed class Mlp
{
    private readonly int[] _sizes;
    private readonly int[] _offsets;

    /// <summary>Creates a network with layer sizes <paramref name="sizes"/> (input first, output last), parameters zero.</summary>
    public Mlp(params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length < 2 || sizes.Any(s => s < 1))
        {
            throw new ArgumentException("a network needs at least an input and an output size, all positive", nameof(sizes));
        }

        _sizes = sizes;
        _offsets = new int[sizes.Length - 1];
        var count = 0;
        for (var l = 0; l < sizes.Length - 1; l++)
        {
            _offsets[l] = count;
            count += (sizes[l + 1] * sizes[l]) + sizes[l + 1];
        }

        Parameters = new float[count];
    }

    /// <summary>Layer sizes, input first.</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <summary>All weights and biases, layer by layer.</summary>
    public float[] Parameters { get; }

    /// <summary>Input size.</summary>
    public int InputSize => _sizes[0];

    /// <summary>Output size.</summary>
    public int OutputSize => _sizes[^1];

    /// <summary>Fills the parameters: weights uniform in ±<c>gain·sqrt(6/(in+out))</c> (Glorot), biases zero; the last layer scaled by <paramref name="outputGain"/>.</summary>
    public void Initialize(Random random, float outputGain = 1f)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (var l = 0; l < _sizes.Length - 1; l++)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var limit = MathF.Sqrt(6f / (fanIn + fanOut)) * (l == _sizes.Length - 2 ? outputGain : 1f);
            var weights = Parameters.AsSpan(_offsets[l], fanIn * fanOut);
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)((random.NextDouble() * 2) - 1) * limit;
            }

            Parameters.AsSpan(_offsets[l] + (fanIn * fanOut), fanOut).Clear();
        }
    }

    /// <summary>A scratch buffer for one forward pass (the activations of every layer).</summary>
    public float[][] NewActivations() => _sizes.Select(s => new float[s]).ToArray();

    /// <summary>Runs the network on <paramref name="input"/>; the output is <c>activations[^1]</c>.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, float[][] activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        input.CopyTo(activations[0]);
        for (var l = 0; l < _sizes.Length - 1; l++)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var weights = Parameters.AsSpan(_offsets[l], fanIn * fanOut);
            var biases = Parameters.AsSpan(_offsets[l] + (fanIn * fanOut), fanOut);
            var x = activations[l].AsSpan();
            var y = activations[l + 1].AsSpan();
            for (var o = 0; o < fanOut; o++)
            {
                y[o] = TensorPrimitives.Dot(weights.Slice(o * fanIn, fanIn), x) + biases[o];
            }

            if (l < _sizes.Length - 2)
            {
                TensorPrimitives.Tanh(y, y);
            }
        }

        return activations[^1];
    }

    /// <summary>
    /// Back-propagates <paramref name="outputGradient"/> (dLoss/dOutput) through the pass recorded in
    /// <paramref name="activations"/>, adding dLoss/dParameters into <paramref name="gradient"/>.
    /// </summary>
    public void Backward(float[][] activations, ReadOnlySpan<float> outputGradient, Span<float> gradient)
    {
        ArgumentNullException.ThrowIfNull(activations);
        var delta = outputGradient.ToArray();
        for (var l = _sizes.Length - 2; l >= 0; l--)
        {
            var (fanIn, fanOut) = (_sizes[l], _sizes[l + 1]);
            var weights = Parameters.AsSpan(_offsets[l], fanIn * fanOut);
            var weightGrad = gradient.Slice(_offsets[l], fanIn * fanOut);
            var biasGrad = gradient.Slice(_offsets[l] + (fanIn * fanOut), fanOut);
            var x = activations[l];
            for (var o = 0; o < fanOut; o++)
            {
                // dW[o,:] += delta[o] * x
                TensorPrimitives.MultiplyAdd(x, delta[o], weightGrad.Slice(o * fanIn, fanIn), weightGrad.Slice(o * fanIn, fanIn));
                biasGrad[o] += delta[o];
            }

            if (l == 0)
            {
                break;
            }

            // delta_prev = (Wᵀ delta) ⊙ (1 - x²), x being the tanh output of the layer below.
            var previous = new float[fanIn];
            for (var o = 0; o < fanOut; o++)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(o * fanIn, fanIn), delta[o], previous, previous);
            }

            for (var i = 0; i < fanIn; i++)
            {
                previous[i] *= 1 - (x[i] * x[i]);
            }

            delta = previous;
        }
    }
}
