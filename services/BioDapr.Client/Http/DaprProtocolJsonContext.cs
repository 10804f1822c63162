using System.Text.Json.Serialization;

namespace BioDapr.Client;

/// <summary>
/// Serializer metadata for daprd's own bodies. They are read with fixed settings, independent of the
/// application's <see cref="DaprSidecarOptions.JsonSerializerOptions"/>. Field names match
/// case-insensitively, as daprd's Go decoder does, and unknown fields are ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DaprErrorBody))]
[JsonSerializable(typeof(ConfigurationSubscribeBody))]
[JsonSerializable(typeof(ConfigurationUnsubscribeBody))]
[JsonSerializable(typeof(BulkPublishResponseBody))]
[JsonSerializable(typeof(List<BulkGetItemBody>))]
[JsonSerializable(typeof(Dictionary<string, DaprConfigurationItem>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(DaprMetadata))]
internal sealed partial class DaprProtocolJsonContext : JsonSerializerContext;
