using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// InvokeService (deprecated in daprd but still served; Dapr.Client's <c>InvokeMethodGrpcAsync</c>): the
/// call goes through the same <see cref="ServiceInvoker"/> as HTTP invocation, with the verb and query
/// string from <c>http_extension</c> and the gRPC metadata as headers. A non-2xx answer becomes the gRPC
/// code for that HTTP status with the body as message and <c>dapr-http-status</c> in the headers, as daprd
/// does for an HTTP app (<c>pkg/api/grpc/grpc.go</c> InvokeService).
/// </summary>
internal sealed class InvocationGrpc(ServiceInvoker invoker, long maxBodySize)
{
    public async Task<InvokeResponse> InvokeServiceAsync(InvokeServiceRequest request, ServerCallContext call)
    {
        var message = request.Message ?? new InvokeRequest();
        var verb = message.HttpExtension?.Verb is { } v && v != HTTPExtension.Types.Verb.None ? v.ToString().ToUpperInvariant() : "POST";
        var query = string.IsNullOrEmpty(message.HttpExtension?.Querystring) ? string.Empty : "?" + message.HttpExtension.Querystring;
        var headers = new HeaderDictionary();
        foreach (var entry in call.RequestHeaders)
        {
            if (!entry.IsBinary && !entry.Key.StartsWith(':') && entry.Key is not ("content-type" or "te" or "grpc-accept-encoding" or "user-agent" or "dapr-api-token"))
            {
                headers.Append(entry.Key, entry.Value);
            }
        }

        if (message.Data is { TypeUrl.Length: > 0 } any)
        {
            headers[AppChannel.GrpcAppChannel.AnyTypeUrlHeader] = any.TypeUrl;
        }

        if (!string.IsNullOrEmpty(message.ContentType))
        {
            headers["Content-Type"] = message.ContentType;
        }

        var body = message.Data?.Value.ToByteArray() ?? [];
        if (body.Length > maxBodySize)
        {
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.ResourceExhausted, "stream too large"));
        }

        var answer = await invoker.InvokeAsync(request.Id, message.Method, verb, query, headers, body, GrpcCallGuard.Span(call), call.CancellationToken);
        await call.WriteResponseHeadersAsync(new Metadata { { "dapr-http-status", answer.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        if (answer.StatusCode is < 200 or > 299)
        {
            throw new RpcException(new global::Grpc.Core.Status(DaprError.FromHttpStatus(answer.StatusCode), System.Text.Encoding.UTF8.GetString(answer.Body)));
        }

        var typeUrl = answer.Headers.FirstOrDefault(h => string.Equals(h.Key, AppChannel.GrpcAppChannel.AnyTypeUrlHeader, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
        return new InvokeResponse
        {
            Data = new Google.Protobuf.WellKnownTypes.Any { Value = ByteString.CopyFrom(answer.Body), TypeUrl = typeUrl ?? string.Empty },
            ContentType = answer.ContentType ?? string.Empty,
        };
    }
}
