namespace BioDapr.Client;

/// <summary>Dapr's state consistency option (<c>options.consistency</c> or the <c>consistency</c> query parameter).</summary>
public enum StateConsistencyMode
{
    /// <summary>Not sent; the store's default.</summary>
    Unspecified,

    /// <summary><c>eventual</c>.</summary>
    Eventual,

    /// <summary><c>strong</c>.</summary>
    Strong,
}
