namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// Supplies the variables a CEL expression reads. Values may be CLR values (<see cref="long"/>,
/// <see cref="int"/>, <see cref="ulong"/>, <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>,
/// <see cref="byte"/> arrays, null, dictionaries and lists of these) or <see cref="System.Text.Json.JsonElement"/>
/// values, which are read the way Dapr reads a parsed CloudEvent: JSON numbers are doubles.
/// </summary>
internal interface ICelActivation
{
    /// <summary>Looks up a variable; returns false when it is not defined.</summary>
    bool TryResolve(string name, out object? value);
}
