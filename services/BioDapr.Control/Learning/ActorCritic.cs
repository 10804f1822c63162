namespace BioDapr.Control.Learning;

/// <summary>
/// A Gaussian policy and a value function as two <see cref="Mlp"/>s: the actor maps an observation to
/// the action's mean; a state-independent log standard deviation per action dimension sets the
/// exploration noise; the critic maps an observation to the expected return. Not thread-safe for
/// writes; concurrent reads use their own activation buffers.
/// </summary>
public sealed class ActorCritic : IPolicyModel
{
    private static readonly float HalfLogTwoPi = 0.5f * MathF.Log(2 * MathF.PI);

    /// <summary>Creates a model with <paramref name="hidden"/> tanh units in each of two hidden layers.</summary>
    public ActorCritic(int observationSize, int actionSize, int hidden = 32)
    {
        Actor = new Mlp(observationSize, hidden, hidden, actionSize);
        Critic = new Mlp(observationSize, hidden, hidden, 1);
        LogStdValues = new float[actionSize];
    }

    /// <summary>The policy network (observation → action mean).</summary>
    public Mlp Actor { get; }

    /// <summary>The value network (observation → expected return).</summary>
    public Mlp Critic { get; }

    /// <summary>The log standard deviations, writable for training and loading.</summary>
    public float[] LogStdValues { get; }

    /// <inheritdoc />
    public int ObservationSize => Actor.InputSize;

    /// <inheritdoc />
    public int ActionSize => Actor.OutputSize;

    /// <inheritdoc />
    public ReadOnlySpan<float> LogStd => LogStdValues;

    /// <summary>Random initial weights (small actor output, so the first policy barely moves the hormones).</summary>
    public void Initialize(Random random, float initialLogStd = -0.7f)
    {
        Actor.Initialize(random, outputGain: 0.01f);
        Critic.Initialize(random);
        Array.Fill(LogStdValues, initialLogStd);
    }

    /// <inheritdoc />
    public void Mean(ReadOnlySpan<float> observation, Span<float> mean) => Actor.Forward(observation, Actor.NewActivations()).CopyTo(mean);

    /// <inheritdoc />
    public float Value(ReadOnlySpan<float> observation) => Critic.Forward(observation, Critic.NewActivations())[0];

    /// <summary>log N(action; mean, exp(logStd)²), summed over dimensions.</summary>
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
}
