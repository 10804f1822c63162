namespace BioDapr.Control.Learning;

/// <summary>The Adam optimiser over a flat parameter vector (Kingma and Ba, with bias correction).</summary>
public sealed class Adam(int size, float learningRate = 3e-4f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
{
    private readonly float[] _m = new float[size];
    private readonly float[] _v = new float[size];

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The learning rate (may be annealed between steps).</summary>
    public float LearningRate { get; set; } = learningRate;

    /// <summary>Moves <paramref name="parameters"/> against <paramref name="gradient"/> (a loss to minimise).</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        if (parameters.Length != _m.Length || gradient.Length != _m.Length)
        {
            throw new ArgumentException($"expected {_m.Length} parameters and gradients, got {parameters.Length} and {gradient.Length}");
        }

        Steps++;
        var correction1 = 1 - MathF.Pow(beta1, Steps);
        var correction2 = 1 - MathF.Pow(beta2, Steps);
        for (var i = 0; i < parameters.Length; i++)
        {
            _m[i] = (beta1 * _m[i]) + ((1 - beta1) * gradient[i]);
            _v[i] = (beta2 * _v[i]) + ((1 - beta2) * gradient[i] * gradient[i]);
            parameters[i] -= LearningRate * (_m[i] / correction1) / (MathF.Sqrt(_v[i] / correction2) + epsilon);
        }
    }
}
