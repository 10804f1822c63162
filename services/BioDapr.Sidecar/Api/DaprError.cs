using System.Text.Json;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// An error answer of the daprd HTTP API: status code plus the JSON body
/// <c>{"errorCode":"ERR_…","message":"…"[,"details":[…]]}</c>. Errors that daprd builds with
/// dapr/kit carry a <c>google.rpc.ErrorInfo</c> detail (reason, domain <c>dapr.io</c>, metadata)
/// and sometimes a <c>ResourceInfo</c>; those are reproduced so clients that read them work the same.
/// </summary>
internal sealed record DaprError(int StatusCode, string ErrorCode, string Message)
{
    /// <summary>The ErrorInfo reason (for example <c>DAPR_STATE_NOT_FOUND</c>); null for plain errors.</summary>
    public string? Reason { get; init; }

    /// <summary>The ErrorInfo metadata.</summary>
    public IReadOnlyDictionary<string, string>? ReasonMetadata { get; init; }

    /// <summary>The ResourceInfo detail: (type, name, description).</summary>
    public (string Type, string Name, string Description)? Resource { get; init; }

    /// <summary>Writes the error body as daprd does (compact JSON, no trailing newline).</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("errorCode", ErrorCode);
            writer.WriteString("message", Message);
            if (Reason is not null || Resource is not null)
            {
                writer.WriteStartArray("details");

                // dapr/kit keeps details in the order they were added; daprd adds ResourceInfo first.
                if (Resource is { } resource)
                {
                    writer.WriteStartObject();
                    writer.WriteString("@type", "type.googleapis.com/google.rpc.ResourceInfo");
                    writer.WriteString("description", resource.Description);
                    writer.WriteString("owner", string.Empty);
                    writer.WriteString("resource_name", resource.Name);
                    writer.WriteString("resource_type", resource.Type);
                    writer.WriteEndObject();
                }

                if (Reason is not null)
                {
                    writer.WriteStartObject();
                    writer.WriteString("@type", "type.googleapis.com/google.rpc.ErrorInfo");
                    writer.WriteString("domain", "dapr.io");
                    writer.WriteStartObject("metadata");
                    foreach (var (key, value) in (ReasonMetadata ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        writer.WriteString(key, value);
                    }

                    writer.WriteEndObject();
                    writer.WriteString("reason", Reason);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
