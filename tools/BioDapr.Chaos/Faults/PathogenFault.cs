namespace BioDapr.Chaos.Faults;

/// <summary>A pathogen (the cells' fault injection, switched by hormones) for the middle third of the orders.</summary>
public sealed class PathogenFault(string name, string description, IReadOnlyDictionary<string, string> hormones) : ChaosFault
{
    private Dictionary<string, string?>? _previous;

    /// <inheritdoc />
    public override string Name => name;

    /// <inheritdoc />
    public override string Description => description + " (" + string.Join(", ", hormones.Select(h => $"{h.Key}={h.Value}")) + ")";

    /// <inheritdoc />
    public override async Task InjectAsync(FaultContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _previous = await context.SetHormonesAsync(hormones, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task EndAsync(FaultContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_previous is not null)
        {
            await context.RestoreHormonesAsync(_previous, cancellationToken);
            _previous = null;
        }
    }
}
