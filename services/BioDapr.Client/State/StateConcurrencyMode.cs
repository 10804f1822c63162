namespace BioDapr.Client;

/// <summary>Dapr's state concurrency option (<c>options.concurrency</c>).</summary>
public enum StateConcurrencyMode
{
    /// <summary>Not sent; the store's default (last-write unless an ETag is given).</summary>
    Unspecified,

    /// <summary><c>first-write</c>: a write without a matching ETag fails when the key exists.</summary>
    FirstWrite,

    /// <summary><c>last-write</c>: the last write wins.</summary>
    LastWrite,
}
