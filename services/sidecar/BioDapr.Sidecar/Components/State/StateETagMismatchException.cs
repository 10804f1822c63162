namespace BioDapr.Sidecar.Components.State;

/// <summary>The ETag sent does not match the stored version (HTTP 409 on save/delete, 500 inside a transaction).</summary>
internal sealed class StateETagMismatchException(string key)
    : Exception($"possible etag mismatch. error from state store: failed to set key {key}")
{
    public string Key { get; } = key;
}
