namespace BioDapr.Sidecar.AppChannel;

/// <summary>An app's answer to a call from the sidecar, fully buffered.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Headers">Response and content headers as received (hop-by-hop headers removed).</param>
/// <param name="Body">The response body.</param>
internal sealed record AppResponse(int StatusCode, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body)
{
    /// <summary>The response Content-Type, or null.</summary>
    public string? ContentType =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
}
