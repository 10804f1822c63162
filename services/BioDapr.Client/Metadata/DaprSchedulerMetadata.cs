using System.Text.Json.Serialization;

namespace BioDapr.Client;

/// <summary>The scheduler connection of the sidecar.</summary>
public sealed record DaprSchedulerMetadata
{
    /// <summary>Connected scheduler addresses (JSON <c>connected_addresses</c>, snake_case as daprd writes it).</summary>
    [JsonPropertyName("connected_addresses")]
    public IReadOnlyList<string> ConnectedAddresses { get; init => field = value ?? []; } = [];
}
