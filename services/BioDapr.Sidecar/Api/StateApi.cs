using System.Text.Json;
using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Api;

/// <summary>The state API (<c>/v1.0/state/…</c>) with daprd's status codes: 400 unknown store, 409 ETag mismatch on save/delete, 500 inside transactions.</summary>
internal sealed class StateApi(SidecarRuntime runtime)
{
    public async Task GetAsync(HttpContext context, string storeName, string key)
    {
        if (Store(storeName) is not { } store)
        {
            await ApiHttp.WriteErrorAsync(context.Response, StoreError(storeName));
            return;
        }

        if (!StateKeyPrefix.IsLegal(key))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateIllegalKey(storeName, StateKeyPrefix.IllegalKeyMessage(key)));
            return;
        }

        var metadata = ApiHttp.Metadata(context.Request);
        StateItem? item;
        try
        {
            var options = new StateGetOptions(StateRequestParser.ParseConsistency(context.Request.Query["consistency"].FirstOrDefault()), metadata);
            item = await Outbound(store).ExecuteAsync(ct => store.Component.GetAsync(store.KeyPrefix.Apply(key), options, ct), context.RequestAborted);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateGet(key, storeName, ex.Message));
            return;
        }

        if (item is null)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        if (item.ETag is not null)
        {
            context.Response.Headers.ETag = item.ETag;
        }

        foreach (var (name, value) in item.Metadata)
        {
            context.Response.Headers["metadata." + name] = value;
        }

        await ApiHttp.WriteDataAsync(context.Response, StatusCodes.Status200OK, item.Data);
    }

    public async Task SaveAsync(HttpContext context, string storeName)
    {
        if (Store(storeName) is not { } store)
        {
            await ApiHttp.WriteErrorAsync(context.Response, StoreError(storeName));
            return;
        }

        List<StateRequestParser.Item> items;
        try
        {
            var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("the body must be a JSON array of state items");
            }

            items = document.RootElement.EnumerateArray().Select(StateRequestParser.Parse).ToList();
        }
        catch (Exception ex) when (ex is JsonException or RequestBodyTooLargeException or ArgumentException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequestRaw(ex.Message));
            return;
        }

        if (items.Count == 0)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        var queryMetadata = ApiHttp.Metadata(context.Request);
        var requests = new List<StateSetRequest>(items.Count);
        foreach (var item in items)
        {
            if (item.Key.Length == 0)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequestRaw("\"key\" is a required field"));
                return;
            }

            if (!StateKeyPrefix.IsLegal(item.Key))
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateIllegalKey(storeName, StateKeyPrefix.IllegalKeyMessage(item.Key)));
                return;
            }

            requests.Add(new StateSetRequest(store.KeyPrefix.Apply(item.Key), item.Value, item.ETag, item.Concurrency, item.Consistency, Merge(item.Metadata, queryMetadata)));
        }

        var errors = await Task.WhenAll(requests.Select(request => TrySaveAsync(store, request, context.RequestAborted)));
        var failures = errors.OfType<Exception>().ToList();
        if (failures.Count == 0)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        var (status, message) = StateErrorResponse(failures);
        await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateSave(status, storeName, message));
    }

    public async Task DeleteAsync(HttpContext context, string storeName, string key)
    {
        if (Store(storeName) is not { } store)
        {
            await ApiHttp.WriteErrorAsync(context.Response, StoreError(storeName));
            return;
        }

        if (!StateKeyPrefix.IsLegal(key))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateIllegalKey(storeName, StateKeyPrefix.IllegalKeyMessage(key)));
            return;
        }

        // daprd passes an ETag whenever the If-Match header is present, even empty.
        string? etag = context.Request.Headers.TryGetValue("If-Match", out var ifMatch) ? ifMatch.ToString() : null;
        try
        {
            var request = new StateDeleteRequest(
                store.KeyPrefix.Apply(key),
                etag,
                StateRequestParser.ParseConcurrency(context.Request.Query["concurrency"].FirstOrDefault()),
                StateRequestParser.ParseConsistency(context.Request.Query["consistency"].FirstOrDefault()),
                ApiHttp.Metadata(context.Request));
            await Outbound(store).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        await store.Component.DeleteAsync(request, ct);
                    }
                    catch (Exception ex) when (ex is StateETagMismatchException or StateETagInvalidException or ArgumentException)
                    {
                        throw new Resiliency.PermanentFailureException(ex.Message, ex);
                    }

                    return true;
                },
                context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            var (status, message) = StateErrorResponse([Unwrap(ex)]);
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateDelete(status, key, message));
        }
    }

    public async Task BulkGetAsync(HttpContext context, string storeName)
    {
        if (Store(storeName) is not { } store)
        {
            await ApiHttp.WriteErrorAsync(context.Response, StoreError(storeName));
            return;
        }

        List<string> keys = [];
        var parallelism = 0;
        Dictionary<string, string>? metadata = null;
        try
        {
            var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the body must be an object with \"keys\"");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name.ToLowerInvariant())
                {
                    case "keys" when property.Value.ValueKind == JsonValueKind.Array:
                        keys = property.Value.EnumerateArray()
                            .Select(k => k.ValueKind == JsonValueKind.String ? k.GetString()! : throw new JsonException("keys must be strings"))
                            .ToList();
                        break;
                    case "keys" when property.Value.ValueKind != JsonValueKind.Null:
                        throw new JsonException("keys must be an array of strings");
                    case "parallelism" when property.Value.ValueKind == JsonValueKind.Number:
                        parallelism = property.Value.GetInt32();
                        break;
                    case "metadata":
                        metadata = StateRequestParser.ParseStringMap(property.Value, "metadata");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or RequestBodyTooLargeException or FormatException or InvalidOperationException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequest(ex.Message));
            return;
        }

        var merged = Merge(metadata, ApiHttp.Metadata(context.Request));
        if (keys.FirstOrDefault(k => !StateKeyPrefix.IsLegal(k)) is { } illegal)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateIllegalKey(storeName, StateKeyPrefix.IllegalKeyMessage(illegal)));
            return;
        }

        var results = new (string Key, StateItem? Item, string? Error)[keys.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, keys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Math.Max(1, keys.Count), CancellationToken = context.RequestAborted },
            async (index, ct) =>
            {
                try
                {
                    var item = await store.Component.GetAsync(store.KeyPrefix.Apply(keys[index]), new StateGetOptions(StateConsistency.Unspecified, merged), ct);
                    results[index] = (keys[index], item, null);
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    results[index] = (keys[index], null, ex.Message);
                }
            });

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartArray();
            foreach (var (key, item, error) in results)
            {
                writer.WriteStartObject();
                writer.WriteString("key", key);
                if (error is not null)
                {
                    writer.WriteString("error", error);
                }
                else if (item is not null)
                {
                    if (!item.Data.IsEmpty)
                    {
                        writer.WritePropertyName("data");
                        writer.WriteRawValue(item.Data.Span, skipInputValidation: true);
                    }

                    if (item.ETag is not null)
                    {
                        writer.WriteString("etag", item.ETag);
                    }

                    if (item.Metadata.Count > 0)
                    {
                        writer.WritePropertyName("metadata");
                        ApiHttp.WriteStringMap(writer, item.Metadata);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
    }

    public async Task TransactionAsync(HttpContext context, string storeName)
    {
        if (Store(storeName) is not { } store)
        {
            await ApiHttp.WriteErrorAsync(context.Response, StoreError(storeName));
            return;
        }

        if (!store.Component.Features.HasFlag(StateStoreFeatures.Transactional))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateTransactionsNotSupported(storeName));
            return;
        }

        var queryMetadata = ApiHttp.Metadata(context.Request);
        var operations = new List<StateOperation>();
        Dictionary<string, string>? requestMetadata = null;
        try
        {
            var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("the body must be an object with \"operations\"");
            }

            var rawOperations = new List<(string Operation, JsonElement Request)>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name.ToLowerInvariant())
                {
                    case "operations" when property.Value.ValueKind == JsonValueKind.Array:
                        foreach (var operation in property.Value.EnumerateArray())
                        {
                            if (operation.ValueKind != JsonValueKind.Object)
                            {
                                throw new JsonException("every operation must be an object");
                            }

                            var name = string.Empty;
                            JsonElement request = default;
                            foreach (var field in operation.EnumerateObject())
                            {
                                if (string.Equals(field.Name, "operation", StringComparison.OrdinalIgnoreCase))
                                {
                                    name = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : throw new JsonException("operation must be a string");
                                }
                                else if (string.Equals(field.Name, "request", StringComparison.OrdinalIgnoreCase))
                                {
                                    request = field.Value.Clone();
                                }
                            }

                            rawOperations.Add((name, request));
                        }

                        break;
                    case "operations" when property.Value.ValueKind != JsonValueKind.Null:
                        throw new JsonException("operations must be an array");
                    case "metadata":
                        requestMetadata = StateRequestParser.ParseStringMap(property.Value, "metadata");
                        break;
                }
            }

            if (rawOperations.Count == 0)
            {
                ApiHttp.WriteEmpty(context.Response);
                return;
            }

            foreach (var (name, request) in rawOperations)
            {
                if (name is not ("upsert" or "delete"))
                {
                    await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateNotSupportedOperation(name));
                    return;
                }

                var item = request.ValueKind == JsonValueKind.Undefined ? new StateRequestParser.Item(string.Empty, "null"u8.ToArray(), null, null, default, default) : StateRequestParser.Parse(request);
                if (!StateKeyPrefix.IsLegal(item.Key))
                {
                    await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateIllegalKey(storeName, StateKeyPrefix.IllegalKeyMessage(item.Key)));
                    return;
                }

                var metadata = Merge(item.Metadata, queryMetadata);
                var key = store.KeyPrefix.Apply(item.Key);
                operations.Add(name == "upsert"
                    ? StateOperation.Upsert(new StateSetRequest(key, item.Value, item.ETag, item.Concurrency, item.Consistency, metadata))
                    : StateOperation.Remove(new StateDeleteRequest(key, item.ETag, item.Concurrency, item.Consistency, metadata)));
            }
        }
        catch (Exception ex) when (ex is JsonException or RequestBodyTooLargeException or ArgumentException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequest(ex.Message));
            return;
        }

        try
        {
            var transactionMetadata = Merge(requestMetadata, queryMetadata);
            await Outbound(store).ExecuteAsync(
                async ct =>
                {
                    await store.Component.ExecuteTransactionAsync(operations, transactionMetadata, ct);
                    return true;
                },
                context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateTransaction(Unwrap(ex).Message));
        }
    }

    public Task QueryAsync(HttpContext context, string storeName) =>
        Store(storeName) is null
            ? ApiHttp.WriteErrorAsync(context.Response, StoreError(storeName))
            : ApiHttp.WriteErrorAsync(context.Response, new DaprError(500, "ERR_STATE_STORE_NOT_SUPPORTED", "state store does not support querying")
            {
                Reason = "DAPR_STATE_QUERYING_NOT_SUPPORTED",
                Resource = ("state", storeName, string.Empty),
            });

    private async Task<Exception?> TrySaveAsync(StateStoreEntry store, StateSetRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await Outbound(store).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        await store.Component.SetAsync(request, ct);
                    }
                    catch (Exception ex) when (ex is StateETagMismatchException or StateETagInvalidException or ArgumentException)
                    {
                        // ETag errors are never retried.
                        throw new Resiliency.PermanentFailureException(ex.Message, ex);
                    }

                    return true;
                },
                cancellationToken);
            return null;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            return Unwrap(ex);
        }
    }

    private Resiliency.ResiliencyPolicy Outbound(StateStoreEntry store) =>
        runtime.Resiliency.ForComponentOutbound(store.Name, store.Component.Type);

    private StateStoreEntry? Store(string name) => runtime.Components.StateStores.GetValueOrDefault(name);

    private DaprError StoreError(string name) =>
        runtime.Components.StateStores.Count == 0
            ? DaprErrors.StateStoreNotConfigured(name, runtime.Settings.AppId)
            : DaprErrors.StateStoreNotFound(name, runtime.Settings.AppId);

    // daprd: all errors ETag mismatch → 409; an invalid ETag among them → 400; anything else → 500.
    private static (int Status, string Message) StateErrorResponse(IReadOnlyList<Exception> errors)
    {
        var message = string.Join("\n", errors.Select(e => e.Message));
        if (errors.All(e => e is StateETagMismatchException or StateETagInvalidException))
        {
            return (errors.Any(e => e is StateETagInvalidException) ? 400 : 409, message);
        }

        return (500, message);
    }

    private static Exception Unwrap(Exception ex) => ex is Resiliency.PermanentFailureException { InnerException: { } inner } ? inner : ex;

    private static bool IsStoreFailure(Exception ex) => ex is not OperationCanceledException || ex is Resiliency.ResiliencyTimeoutException;

    private static Dictionary<string, string> Merge(Dictionary<string, string>? own, IReadOnlyDictionary<string, string> query)
    {
        var merged = own is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(own, StringComparer.Ordinal);
        foreach (var (key, value) in query)
        {
            merged[key] = value;
        }

        return merged;
    }
}
