using System.Text.Json.Serialization;

namespace BioDapr.Client;

/// <summary>An active pub/sub subscription as <c>GET /v1.0/metadata</c> lists it.</summary>
public sealed record DaprSubscriptionMetadata
{
    /// <summary>The pub/sub component name (JSON <c>pubsubname</c>).</summary>
    [JsonPropertyName("pubsubname")]
    public string PubsubName { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The topic.</summary>
    public string Topic { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The subscription metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init => field = value ?? new Dictionary<string, string>(); } = new Dictionary<string, string>();

    /// <summary>Routing rules in evaluation order.</summary>
    public IReadOnlyList<DaprSubscriptionRule> Rules { get; init => field = value ?? []; } = [];

    /// <summary>The dead-letter topic, empty when none.</summary>
    public string DeadLetterTopic { get; init => field = value ?? string.Empty; } = string.Empty;

    /// <summary><c>DECLARATIVE</c>, <c>PROGRAMMATIC</c> or <c>STREAMING</c>.</summary>
    public string Type { get; init => field = value ?? string.Empty; } = string.Empty;
}
