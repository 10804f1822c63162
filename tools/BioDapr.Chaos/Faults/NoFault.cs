namespace BioDapr.Chaos.Faults;

/// <summary>The control row: the same load and audit with no fault.</summary>
public sealed class NoFault : ChaosFault
{
    /// <inheritdoc />
    public override string Name => "none (control)";

    /// <inheritdoc />
    public override string Description => "The same load and audit without a fault.";

    /// <inheritdoc />
    public override Task InjectAsync(FaultContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
