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
/// <param name="ContentType">The body's content type (default <c>application/json</c>).</param>
public sealed record WarmupProbe(HttpMethod Method, string Path, string? JsonBody = null, bool Public = false, IReadOnlyList<KeyValuePair<string, string>>? Headers = null, string? ContentType = null)
{
    /// <summary>
    /// A delivery of an event with empty data from <paramref name="source"/> to <paramref name="path"/>: the subscriber binds
    /// it, finds no order id and answers DROP, without effects.
    /// </summary>
    public static WarmupProbe EmptyEvent(string path, string source) => new(
        HttpMethod.Post,
        path,
        $$"""{"id":"warmup","source":"{{source}}","type":"biodapr.warmup","specversion":"1.0","datacontenttype":"application/json","data":{ } }""",
        ContentType: "application/cloudevents+json");
}
