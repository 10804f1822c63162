namespace BioDapr.Cell.Hosting;

/// <summary>
/// A request a cell sends itself while warming up, so the code its real requests run (routing, binding, validation,
/// the handler, its sidecar calls) is compiled before the first client comes. Pick requests without effects: a read,
/// or a write the cell refuses (an invalid body).
/// </summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path (and query).</param>
/// <param name="JsonBody">A JSON body, or null.</param>
/// <param name="Public">True for a public endpoint (sent to the public port), false for a callback (sent to the app port with the sidecar's token).</param>
/// <param name="Headers">Extra request headers (name, value).</param>
public sealed record WarmupProbe(HttpMethod Method, string Path, string? JsonBody = null, bool Public = false, IReadOnlyList<KeyValuePair<string, string>>? Headers = null);
