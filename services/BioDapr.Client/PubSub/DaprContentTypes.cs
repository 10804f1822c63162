namespace BioDapr.Client;

/// <summary>Content types with a meaning in Dapr's pub/sub and state APIs.</summary>
public static class DaprContentTypes
{
    /// <summary>JSON; daprd embeds the body as JSON in the CloudEvent's <c>data</c>.</summary>
    public const string Json = "application/json";

    /// <summary>A ready-made CloudEvent; daprd keeps its fields instead of wrapping it.</summary>
    public const string CloudEventJson = "application/cloudevents+json";

    /// <summary>Binary; daprd puts the body base64-encoded into <c>data_base64</c>.</summary>
    public const string OctetStream = "application/octet-stream";

    /// <summary>Text; also what daprd assumes when a publish has no Content-Type.</summary>
    public const string TextPlain = "text/plain";
}
