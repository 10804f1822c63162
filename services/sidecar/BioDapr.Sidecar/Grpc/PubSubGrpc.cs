using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Tracing;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>Publishing over gRPC, translated onto <see cref="PubSubService"/> (daprd: <c>pkg/api/grpc/grpc.go</c> PublishEvent, BulkPublishEvent).</summary>
internal sealed class PubSubGrpc(PubSubService pubsub, TracingPolicy tracing)
{
    public async Task<Google.Protobuf.WellKnownTypes.Empty> PublishEventAsync(PublishEventRequest request, ServerCallContext call)
    {
        await pubsub.PublishAsync(
            request.PubsubName,
            request.Topic,
            request.Data.Memory,
            request.DataContentType,
            request.Metadata,
            GrpcCallGuard.Span(call),
            traceInRawMetadata: true,
            call.CancellationToken);
        return new Google.Protobuf.WellKnownTypes.Empty();
    }

    /// <summary>
    /// BulkPublishEvent and its Alpha1 alias. As daprd with a component without native bulk publish: any
    /// failed entry fails the call with ERR_PUBSUB_PUBLISH_MESSAGE (the failed entries are in the message).
    /// </summary>
    public async Task<BulkPublishResponse> BulkPublishEventAsync(BulkPublishRequest request, ServerCallContext call)
    {
        var entries = request.Entries
            .Select(e => new PublishEntry(e.EntryId, e.Event.Memory, e.ContentType, e.Metadata.Count == 0 ? null : e.Metadata))
            .ToList();
        // daprd's producer span per entry, named after the method with a trailing '/', ending with the call's status.
        var spans = new BulkPublishSpans(tracing, GrpcCallGuard.Span(call), call.Method + "/");
        var error = nameof(StatusCode.Unknown);
        try
        {
            var failed = await pubsub.BulkPublishAsync(request.PubsubName, request.Topic, entries, request.Metadata, spans, call.CancellationToken);
            if (failed.Count > 0)
            {
                throw new DaprApiException(DaprErrors.PubSubPublishMessage(
                    request.PubsubName,
                    request.Topic,
                    string.Join("; ", failed.Select(f => $"entry {f.EntryId}: {f.Error}"))));
            }

            error = null;
            return new BulkPublishResponse();
        }
        catch (DaprApiException ex)
        {
            error = GrpcErrors.ToRpcException(ex.Error).StatusCode.ToString();
            throw;
        }
        finally
        {
            spans.End(error);
        }
    }
}
