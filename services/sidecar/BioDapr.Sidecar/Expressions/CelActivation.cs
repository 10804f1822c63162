namespace BioDapr.Sidecar.Expressions;

/// <summary>An <see cref="ICelActivation"/> backed by a dictionary of variables.</summary>
internal sealed class CelActivation(IReadOnlyDictionary<string, object?> variables) : ICelActivation
{
    /// <summary>An activation that defines no variables.</summary>
    public static CelActivation Empty { get; } = new(new Dictionary<string, object?>());

    /// <summary>An activation with one variable, such as <c>event</c> for routing rules.</summary>
    public static CelActivation Single(string name, object? value) => new(new Dictionary<string, object?> { [name] = value });

    /// <inheritdoc />
    public bool TryResolve(string name, out object? value) => variables.TryGetValue(name, out value);
}
