namespace BioDapr.Scenarios;

/// <summary>A service-time distribution, sampled with an injected random source.</summary>
/// <param name="Kind">constant, exponential or lognormal.</param>
/// <param name="MeanMs">The mean, in milliseconds.</param>
/// <param name="Cv">Coefficient of variation (lognormal only).</param>
public sealed record Distribution(DistributionKind Kind, double MeanMs, double Cv = 0)
{
    /// <summary>Draws one value in milliseconds.</summary>
    public double SampleMs(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        switch (Kind)
        {
            case DistributionKind.Constant:
                return MeanMs;
            case DistributionKind.Exponential:
                return -MeanMs * Math.Log(1 - random.NextDouble());
            default:
                // Lognormal with the given mean and coefficient of variation.
                var sigma2 = Math.Log(1 + (Cv * Cv));
                var mu = Math.Log(MeanMs) - (sigma2 / 2);
                return Math.Exp(mu + (Math.Sqrt(sigma2) * StandardNormal(random)));
        }
    }

    private static double StandardNormal(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>Distribution families.</summary>
public enum DistributionKind
{
    /// <summary>Always the mean.</summary>
    Constant,

    /// <summary>Exponential (memoryless) with the mean.</summary>
    Exponential,

    /// <summary>Lognormal with the mean and coefficient of variation.</summary>
    Lognormal,
}
