namespace BioDapr.Chaos.Faults;

/// <summary>
/// One fault of the matrix. The run drives orders through the gateway; a third of the way it calls
/// <see cref="InjectAsync"/>, two thirds of the way <see cref="EndAsync"/> (a lasting fault ends there; a kill
/// has nothing to end: the runner restarts what died).
/// </summary>
public abstract class ChaosFault
{
    /// <summary>Short and unique (the table's first column, <c>--faults</c> matches it).</summary>
    public abstract string Name { get; }

    /// <summary>What is done, for the report.</summary>
    public abstract string Description { get; }

    /// <summary>True when the fault restarts a process the runner must bring back (the run waits for it).</summary>
    public virtual string? RestartedApp => null;

    /// <summary>A lasting fault lasts at least this long (the well-behaved client keeps ordering meanwhile).</summary>
    public virtual TimeSpan MinimumDuration => TimeSpan.Zero;

    /// <summary>True for the hostile client: the well-behaved client's share is checked.</summary>
    public virtual bool IsHostile => false;

    /// <summary>Starts the fault.</summary>
    public abstract Task InjectAsync(FaultContext context, CancellationToken cancellationToken);

    /// <summary>Ends a lasting fault.</summary>
    public virtual Task EndAsync(FaultContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
