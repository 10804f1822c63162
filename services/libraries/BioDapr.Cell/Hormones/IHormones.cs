namespace BioDapr.Cell.Hormones;

/// <summary>
/// The live value of a set of hormones: an immutable snapshot of <typeparamref name="T"/> replaced
/// atomically on every accepted change.
/// </summary>
/// <typeparam name="T">The options type.</typeparam>
public interface IHormones<out T>
    where T : class
{
    /// <summary>The current snapshot. Never partially updated.</summary>
    T Current { get; }

    /// <summary>Increments on every accepted change.</summary>
    long Version { get; }

    /// <summary>The configuration store the values come from.</summary>
    string StoreName { get; }

    /// <summary>The configuration keys, by property name.</summary>
    IReadOnlyDictionary<string, string> Keys { get; }

    /// <summary>How many updates were rejected.</summary>
    long Rejections { get; }

    /// <summary>The last rejected update, or null.</summary>
    HormoneRejection? LastRejection { get; }

    /// <summary>Calls <paramref name="listener"/> after every accepted change; dispose the result to stop.</summary>
    IDisposable OnChange(Action<T> listener);
}
