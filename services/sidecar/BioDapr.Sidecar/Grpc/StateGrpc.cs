using System.Buffers;
using System.Text.Json;
using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using StateConcurrency = BioDapr.Sidecar.Components.State.StateConcurrency;
using StateItem = Dapr.Client.Autogen.Grpc.v1.StateItem;
using StateConsistency = BioDapr.Sidecar.Components.State.StateConsistency;

namespace BioDapr.Sidecar.Grpc;

/// <summary>The state methods of the gRPC API, translated onto <see cref="StateService"/> (daprd: <c>pkg/api/grpc/grpc.go</c>).</summary>
internal sealed class StateGrpc(StateService state)
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    public async Task<GetStateResponse> GetStateAsync(GetStateRequest request, ServerCallContext call)
    {
        var item = await state.GetAsync(request.StoreName, request.Key, Consistency(request.Consistency), request.Metadata, call.CancellationToken);
        var response = new GetStateResponse();
        if (item is not null)
        {
            response.Data = ByteString.CopyFrom(item.Data.Span);
            response.Etag = item.ETag ?? string.Empty;
            response.Metadata.Put(item.Metadata);
        }

        return response;
    }

    public async Task<GetBulkStateResponse> GetBulkStateAsync(GetBulkStateRequest request, ServerCallContext call)
    {
        state.Store(request.StoreName);
        var response = new GetBulkStateResponse();
        if (request.Keys.Count == 0)
        {
            return response;
        }

        var results = await state.BulkGetAsync(request.StoreName, request.Keys, request.Parallelism, request.Metadata, call.CancellationToken);
        foreach (var (key, item, error) in results)
        {
            var bulkItem = new BulkStateItem { Key = key, Error = error ?? string.Empty };
            if (item is not null)
            {
                bulkItem.Data = ByteString.CopyFrom(item.Data.Span);
                bulkItem.Etag = item.ETag ?? string.Empty;
                bulkItem.Metadata.Put(item.Metadata);
            }

            response.Items.Add(bulkItem);
        }

        return response;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> SaveStateAsync(SaveStateRequest request, ServerCallContext call)
    {
        state.Store(request.StoreName);
        if (request.States.Count == 0)
        {
            return Empty;
        }

        var items = new List<StateSaveItem>(request.States.Count);
        foreach (var item in request.States)
        {
            if (item.Key.Length == 0)
            {
                throw new DaprApiException(DaprErrors.StateKeyEmpty());
            }

            items.Add(new StateSaveItem(item.Key, Value(item), ETag(item.Etag), Concurrency(item.Options), Consistency(item.Options?.Consistency), item.Metadata));
        }

        await state.SaveAsync(request.StoreName, items, call.CancellationToken);
        return Empty;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> DeleteStateAsync(DeleteStateRequest request, ServerCallContext call)
    {
        await state.DeleteAsync(
            request.StoreName,
            new StateDeleteItem(request.Key, ETag(request.Etag), Concurrency(request.Options), Consistency(request.Options?.Consistency), request.Metadata),
            call.CancellationToken);
        return Empty;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> DeleteBulkStateAsync(DeleteBulkStateRequest request, ServerCallContext call)
    {
        await state.DeleteBulkAsync(
            request.StoreName,
            request.States.Select(i => new StateDeleteItem(i.Key, ETag(i.Etag), Concurrency(i.Options), Consistency(i.Options?.Consistency), i.Metadata)).ToList(),
            call.CancellationToken);
        return Empty;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> ExecuteStateTransactionAsync(ExecuteStateTransactionRequest request, ServerCallContext call)
    {
        state.TransactionalStore(request.StoreName);
        var operations = new List<StateTransactionItem>(request.Operations.Count);
        foreach (var operation in request.Operations)
        {
            var item = operation.Request ?? new StateItem();
            operations.Add(operation.OperationType switch
            {
                "upsert" => new StateTransactionItem(new StateSaveItem(item.Key, item.Value.Memory, ETag(item.Etag), Concurrency(item.Options), Consistency(item.Options?.Consistency), item.Metadata), null),
                "delete" => new StateTransactionItem(null, new StateDeleteItem(item.Key, ETag(item.Etag), Concurrency(item.Options), Consistency(item.Options?.Consistency), item.Metadata)),
                _ => throw new DaprApiException(DaprErrors.StateNotSupportedOperation(operation.OperationType)),
            });
        }

        await state.TransactAsync(request.StoreName, operations, request.Metadata, call.CancellationToken);
        return Empty;
    }

    public Task<QueryStateResponse> QueryStateAsync(QueryStateRequest request, ServerCallContext call)
    {
        _ = call;
        state.Query(request.StoreName);
        return Task.FromResult(new QueryStateResponse());
    }

    // daprd: with metadata contentType=application/json the value is decoded and re-encoded as Go's JSON
    // (so it lands in the store exactly as over HTTP); otherwise the bytes are stored as they are.
    private static ReadOnlyMemory<byte> Value(StateItem item)
    {
        if (!item.Metadata.TryGetValue("contentType", out var contentType) || contentType != "application/json")
        {
            return item.Value.Memory;
        }

        try
        {
            using var document = JsonDocument.Parse(item.Value.Memory);
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
            {
                GoJsonWriter.WriteCanonical(writer, document.RootElement);
            }

            return buffer.WrittenMemory;
        }
        catch (JsonException ex)
        {
            throw new RpcException(new global::Grpc.Core.Status(StatusCode.Unknown, ex.Message));
        }
    }

    private static string? ETag(Etag? etag) => string.IsNullOrEmpty(etag?.Value) ? null : etag.Value;

    private static StateConcurrency Concurrency(StateOptions? options) => options?.Concurrency switch
    {
        StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite => StateConcurrency.FirstWrite,
        StateOptions.Types.StateConcurrency.ConcurrencyLastWrite => StateConcurrency.LastWrite,
        _ => StateConcurrency.Unspecified,
    };

    private static StateConsistency Consistency(StateOptions.Types.StateConsistency? consistency) => consistency switch
    {
        StateOptions.Types.StateConsistency.ConsistencyEventual => StateConsistency.Eventual,
        StateOptions.Types.StateConsistency.ConsistencyStrong => StateConsistency.Strong,
        _ => StateConsistency.Unspecified,
    };
}
