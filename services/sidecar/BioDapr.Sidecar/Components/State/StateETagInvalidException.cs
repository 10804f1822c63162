namespace BioDapr.Sidecar.Components.State;

/// <summary>The ETag sent is not valid for this store (Redis needs an integer) — HTTP 400.</summary>
internal sealed class StateETagInvalidException(string etag)
    : Exception($"invalid etag value: {etag}")
{
    public string ETag { get; } = etag;
}
