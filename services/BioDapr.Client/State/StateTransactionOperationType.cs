namespace BioDapr.Client;

/// <summary>The kind of a transaction operation.</summary>
public enum StateTransactionOperationType
{
    /// <summary><c>upsert</c>: write the key.</summary>
    Upsert,

    /// <summary><c>delete</c>: delete the key.</summary>
    Delete,
}
