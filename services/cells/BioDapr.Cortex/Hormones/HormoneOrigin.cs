namespace BioDapr.Cortex.Hormones;

/// <summary>
/// Who wrote a hormone and why, recorded beside the value (<see cref="HormoneOrigins"/>) so the organism page can say
/// who changed it: the cortex (with its decision's reason), an operator (by name), or the defaults.
/// </summary>
/// <param name="By"><c>cortex</c>, <c>cortex evolution</c>, <c>operator:NAME</c> or <c>defaults</c>.</param>
/// <param name="Reason">Why, in words (a decision's reason, the operator's action).</param>
public sealed record HormoneOrigin(string By, string Reason)
{
    /// <summary>The <see cref="By"/> of a change written to the store with no origin recorded (by hand with redis-cli, say).</summary>
    public const string Unrecorded = "direct store write";

    /// <summary>An operator's change.</summary>
    public static HormoneOrigin Operator(string name, string reason) => new("operator:" + name, reason);
}

/// <summary>One recorded write: the hormone, the value and version written, and its origin.</summary>
/// <param name="Id">The record's id in the origins stream (ordered by time).</param>
/// <param name="Key">The hormone's key.</param>
/// <param name="Value">The value written.</param>
/// <param name="Version">The version written (the store's <c>value||version</c>).</param>
/// <param name="By">Who wrote it.</param>
/// <param name="Reason">Why.</param>
public sealed record HormoneOriginRecord(string Id, string Key, string Value, string Version, string By, string Reason);

/// <summary>Where hormone origins are kept: a Redis stream beside the hormones, bounded.</summary>
public static class HormoneOrigins
{
    /// <summary>
    /// The stream's key. Not a hormone key (hormones are <c>cell.…</c>), and a stream: the configuration store's keyspace
    /// notifications (<c>Kg$xe</c>) do not fire on stream writes and its reads skip non-string keys.
    /// </summary>
    public const string StreamKey = "biodapr:hormone-origins";

    /// <summary>About how many records the stream keeps (older ones are trimmed as new ones are added).</summary>
    public const int Capacity = 5_000;
}
