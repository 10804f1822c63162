using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BioDapr.Control.Learning;

/// <summary>
/// The agent's model on TorchSharp: a Gaussian policy and a value function. The actor maps an
/// observation to the action's mean (two tanh hidden layers); a learned, state-independent log
/// standard deviation per action dimension sets the exploration noise; the critic maps an observation
/// to the expected return. Training uses autograd and <c>torch.optim.Adam</c> (see <see cref="PpoLoss"/>);
/// inference (<see cref="IPolicyModel"/>) runs without gradients, one forward at a time, so it is safe from several threads.
/// </summary>
public sealed partial class PolicyNetwork : nn.Module<Tensor, (Tensor Mean, Tensor Value)>, IPolicyModel
{
    private static readonly float HalfLogTwoPi = 0.5f * MathF.Log(2 * MathF.PI);
    private readonly Sequential actor;
    private readonly Sequential critic;
    private readonly Parameter logStd;
    private readonly Lock _inference = new();

    [ThreadStatic]
    private static bool t_singleThreaded;
    private float[] _logStdCache;

    static PolicyNetwork() => Reproducible();

    /// <summary>Creates a model with <paramref name="hidden"/> tanh units in each of two hidden layers (weights zero until <see cref="Initialize"/> or a load).</summary>
    public PolicyNetwork(int observationSize, int actionSize, int hidden = 64)
        : base(nameof(PolicyNetwork))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(observationSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(actionSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        Hidden = hidden;
        ObservationSize = observationSize;
        ActionSize = actionSize;
        actor = nn.Sequential(
            ("fc1", nn.Linear(observationSize, hidden)), ("act1", nn.Tanh()),
            ("fc2", nn.Linear(hidden, hidden)), ("act2", nn.Tanh()),
            ("out", nn.Linear(hidden, actionSize)));
        critic = nn.Sequential(
            ("fc1", nn.Linear(observationSize, hidden)), ("act1", nn.Tanh()),
            ("fc2", nn.Linear(hidden, hidden)), ("act2", nn.Tanh()),
            ("out", nn.Linear(hidden, 1)));
        logStd = nn.Parameter(torch.full(actionSize, -0.7f, dtype: ScalarType.Float32));
        _logStdCache = new float[actionSize];
        RegisterComponents();
        RefreshCache();
    }

    /// <summary>Hidden units per layer.</summary>
    public int Hidden { get; }

    /// <inheritdoc />
    public int ObservationSize { get; }

    /// <inheritdoc />
    public int ActionSize { get; }

    /// <inheritdoc />
    public ReadOnlySpan<float> LogStd => _logStdCache;

    /// <summary>The log standard deviation parameter (trained with the rest).</summary>
    public Parameter LogStdParameter => logStd;

    /// <summary>
    /// Deterministic initial weights from <paramref name="random"/> (not from torch's global generator, so
    /// parallel or repeated runs with one seed start alike): Glorot-uniform weights, zero biases, the actor's
    /// output layer scaled by 0.01 so the first policy is the residual's base (Gradient2 and the defaults).
    /// </summary>
    public void Initialize(Random random, float initialLogStd = -0.7f)
    {
        ArgumentNullException.ThrowIfNull(random);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name == "logStd")
            {
                parameter.fill_(initialLogStd);
                continue;
            }

            if (parameter.dim() == 1)
            {
                parameter.zero_();
                continue;
            }

            var (fanOut, fanIn) = ((int)parameter.shape[0], (int)parameter.shape[1]);
            var limit = MathF.Sqrt(6f / (fanIn + fanOut)) * (name == "actor.out.weight" ? 0.01f : 1f);
            var values = new float[fanIn * fanOut];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2) - 1) * limit;
            }

            using var source = torch.tensor(values, [fanOut, fanIn]);
            parameter.copy_(source);
        }

        RefreshCache();
    }

    /// <summary>Re-reads the log standard deviations after a training step or a load (inference reads the copy).</summary>
    public void RefreshCache()
    {
        using var noGrad = torch.no_grad();
        _logStdCache = logStd.detach().cpu().data<float>().ToArray();
    }

    /// <summary>The action means and values of a batch of observations (<c>[n, features]</c>), with gradients.</summary>
    public override (Tensor Mean, Tensor Value) forward(Tensor input) => (actor.forward(input), critic.forward(input).squeeze(-1));

    /// <summary>log N(actions; mean, e^logStd²) summed over action dimensions, per row, with gradients.</summary>
    public Tensor LogProbability(Tensor actions, Tensor mean)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(mean);
        var z = (actions - mean) / logStd.exp();
        return ((-0.5f * z * z) - logStd - HalfLogTwoPi).sum(-1);
    }

    /// <summary>The Gaussian's entropy per action dimension, summed (a scalar, with gradients).</summary>
    public Tensor Entropy() => (logStd + (0.5f * (1 + MathF.Log(2 * MathF.PI)))).sum();

    /// <inheritdoc />
    public void Mean(ReadOnlySpan<float> observation, Span<float> mean)
    {
        if (observation.Length != ObservationSize || mean.Length != ActionSize)
        {
            throw new ArgumentException($"expected {ObservationSize} features and {ActionSize} actions, got {observation.Length} and {mean.Length}");
        }

        // One forward at a time: concurrent rollouts then give the same numbers as sequential ones.
        lock (_inference)
        {
            SingleThreaded();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var input = torch.tensor(observation.ToArray(), [1, ObservationSize]);
            actor.forward(input).data<float>().CopyTo(mean);
        }
    }

    /// <inheritdoc />
    public float Value(ReadOnlySpan<float> observation)
    {
        if (observation.Length != ObservationSize)
        {
            throw new ArgumentException($"expected {ObservationSize} features, got {observation.Length}");
        }

        lock (_inference)
        {
            SingleThreaded();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var input = torch.tensor(observation.ToArray(), [1, ObservationSize]);
            return critic.forward(input).item<float>();
        }
    }

    /// <summary>Values of many observations at once (<c>[n, features]</c> flattened row-major).</summary>
    public float[] Values(float[] observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        lock (_inference)
        {
            SingleThreaded();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var input = torch.tensor(observations, [observations.Length / ObservationSize, ObservationSize]);
            return critic.forward(input).squeeze(-1).data<float>().ToArray();
        }
    }

    /// <summary>
    /// Makes torch's intra-op pool single-threaded for the calling thread (OpenMP keeps the setting per
    /// thread): small networks gain nothing from it, and a fixed thread count keeps float sums in one
    /// order, so a seed replays the same numbers whichever thread runs the forward.
    /// </summary>
    public static void SingleThreaded()
    {
        Reproducible();
        if (!t_singleThreaded)
        {
            torch.set_num_threads(1);
            t_singleThreaded = true;
        }
    }

    /// <summary>
    /// Asks libtorch's MKL for its alignment-independent code paths (<c>MKL_CBWR=COMPATIBLE</c>, unless the
    /// environment already says otherwise) before its first use: without it a matrix product's rounding
    /// depends on where the buffers happen to be aligned, and a training run with one seed differs in the
    /// last bits between two processes. .NET keeps its own copy of the environment on Unix, so the native
    /// environment is set through libc.
    /// </summary>
    public static void Reproducible()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MKL_CBWR") is null)
        {
            _ = SetEnvironment("MKL_CBWR", "COMPATIBLE", 0);
            Environment.SetEnvironmentVariable("MKL_CBWR", "COMPATIBLE");
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    /// <summary>log N(action; mean, exp(logStd)²) summed over dimensions, on plain arrays (sampling while training).</summary>
    public static float LogProbability(ReadOnlySpan<float> action, ReadOnlySpan<float> mean, ReadOnlySpan<float> logStd)
    {
        var sum = 0f;
        for (var i = 0; i < action.Length; i++)
        {
            var z = (action[i] - mean[i]) / MathF.Exp(logStd[i]);
            sum += (-0.5f * z * z) - logStd[i] - HalfLogTwoPi;
        }

        return sum;
    }

    /// <summary>A standard normal draw (Box–Muller) from <paramref name="random"/>.</summary>
    public static double StandardNormal(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            actor.Dispose();
            critic.Dispose();
            logStd.Dispose();
        }

        base.Dispose(disposing);
    }
}
