namespace BioDapr.Scaling.Policies;

/// <summary>Chooses a cell's replica count every <see cref="Period"/> (the cortex's scaling policy).</summary>
public interface IScalingPolicy
{
    /// <summary>Name for tables and plots.</summary>
    string Name { get; }

    /// <summary>Time between two decisions.</summary>
    TimeSpan Period { get; }

    /// <summary>The replica count wanted now.</summary>
    int Decide(ScalingObservation observation);
}
