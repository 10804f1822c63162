using System.Text.Json;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace BioDapr.Sidecar.Wire;

/// <summary>
/// An error answer of the daprd HTTP API: status code plus the JSON body
/// <c>{"errorCode":"ERR_…","message":"…"[,"details":[…]]}</c>. Errors that daprd builds with
/// dapr/kit carry a <c>google.rpc.ErrorInfo</c> detail (reason, domain <c>dapr.io</c>, metadata)
/// and sometimes a <c>ResourceInfo</c>; those are reproduced so clients that read them work the same.
/// The same error answers on both front ends: the HTTP API writes <see cref="StatusCode"/> and the JSON
/// body, the gRPC API sends <see cref="GrpcCode"/> with the rich details (see docs/grpc-api.md).
/// </summary>
internal sealed record DaprError(int StatusCode, string ErrorCode, string Message)
{
    private GrpcStatusCode? _grpcCode;

    /// <summary>
    /// The gRPC status code daprd sends for this error (its <c>APIError.grpcCode</c> or the kit builder's
    /// code); when a factory does not set one, the usual HTTP→gRPC mapping.
    /// </summary>
    public GrpcStatusCode GrpcCode
    {
        get => _grpcCode ?? FromHttpStatus(StatusCode);
        init => _grpcCode = value;
    }

    /// <summary>
    /// The ErrorInfo reason the gRPC API adds where the HTTP API sends a plain error (daprd's
    /// <c>apierrors.Basic</c> in <c>pkg/api/grpc</c>); null when the gRPC error has only <see cref="Reason"/> or nothing.
    /// </summary>
    public string? GrpcReason { get; init; }

    /// <summary>The ErrorInfo reason (for example <c>DAPR_STATE_NOT_FOUND</c>); null for plain errors.</summary>
    public string? Reason { get; init; }

    /// <summary>The ErrorInfo metadata.</summary>
    public IReadOnlyDictionary<string, string>? ReasonMetadata { get; init; }

    /// <summary>The ResourceInfo detail: (type, name, description).</summary>
    public (string Type, string Name, string Description)? Resource { get; init; }

    /// <summary>The usual mapping (the one grpc-gateway and daprd's HTTP→gRPC conversion use).</summary>
    public static GrpcStatusCode FromHttpStatus(int status) => status switch
    {
        400 => GrpcStatusCode.InvalidArgument,
        401 => GrpcStatusCode.Unauthenticated,
        403 => GrpcStatusCode.PermissionDenied,
        404 => GrpcStatusCode.NotFound,
        409 => GrpcStatusCode.Aborted,
        412 => GrpcStatusCode.FailedPrecondition,
        413 => GrpcStatusCode.ResourceExhausted,
        429 => GrpcStatusCode.ResourceExhausted,
        501 => GrpcStatusCode.Unimplemented,
        503 => GrpcStatusCode.Unavailable,
        504 => GrpcStatusCode.DeadlineExceeded,
        >= 200 and < 300 => GrpcStatusCode.OK,
        _ => GrpcStatusCode.Internal,
    };

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
