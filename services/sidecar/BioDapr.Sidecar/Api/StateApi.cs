using System.Text.Json;
using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// The state API (<c>/v1.0/state/…</c>): parses daprd's HTTP shapes and writes its answers; the
/// semantics are <see cref="StateService"/>'s (400 unknown store, 409 ETag mismatch, 500 inside transactions).
/// </summary>
internal sealed class StateApi(SidecarRuntime runtime, StateService state)
{
    public async Task GetAsync(HttpContext context, string storeName, string key)
    {
        try
        {
            state.Store(storeName);
            var consistency = StateRequestParser.ParseConsistency(context.Request.Query["consistency"].FirstOrDefault());
            var item = await state.GetAsync(storeName, key, consistency, ApiHttp.Metadata(context.Request), context.RequestAborted);
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
        catch (ArgumentException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateGet(key, storeName, ex.Message));
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task SaveAsync(HttpContext context, string storeName)
    {
        try
        {
            state.Store(storeName);
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
            catch (Exception ex) when (ex is JsonException or ArgumentException)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequestRaw(ex.Message));
                return;
            }

            if (items.FirstOrDefault(i => i.Key.Length == 0) is not null)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequestRaw("\"key\" is a required field"));
                return;
            }

            var queryMetadata = ApiHttp.Metadata(context.Request);
            await state.SaveAsync(
                storeName,
                items.Select(i => new StateSaveItem(i.Key, i.Value, i.ETag, i.Concurrency, i.Consistency, Merge(i.Metadata, queryMetadata))).ToList(),
                context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task DeleteAsync(HttpContext context, string storeName, string key)
    {
        try
        {
            var store = state.Store(storeName);
            StateService.StoredKey(store, key);

            // daprd passes an ETag whenever the If-Match header is present, even empty.
            string? etag = context.Request.Headers.TryGetValue("If-Match", out var ifMatch) ? ifMatch.ToString() : null;
            StateDeleteItem item;
            try
            {
                item = new StateDeleteItem(
                    key,
                    etag,
                    StateRequestParser.ParseConcurrency(context.Request.Query["concurrency"].FirstOrDefault()),
                    StateRequestParser.ParseConsistency(context.Request.Query["consistency"].FirstOrDefault()),
                    ApiHttp.Metadata(context.Request));
            }
            catch (ArgumentException ex)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.StateDelete(500, key, ex.Message));
                return;
            }

            await state.DeleteAsync(storeName, item, context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task BulkGetAsync(HttpContext context, string storeName)
    {
        try
        {
            state.Store(storeName);
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
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequest(ex.Message));
                return;
            }

            var results = await state.BulkGetAsync(storeName, keys, parallelism, Merge(metadata, ApiHttp.Metadata(context.Request)), context.RequestAborted);
            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer => WriteBulk(writer, results));
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task TransactionAsync(HttpContext context, string storeName)
    {
        try
        {
            state.TransactionalStore(storeName);
            var queryMetadata = ApiHttp.Metadata(context.Request);
            var operations = new List<StateTransactionItem>();
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
                            rawOperations.AddRange(property.Value.EnumerateArray().Select(ParseOperation));
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
                    var metadata = Merge(item.Metadata, queryMetadata);
                    operations.Add(name == "upsert"
                        ? new StateTransactionItem(new StateSaveItem(item.Key, item.Value, item.ETag, item.Concurrency, item.Consistency, metadata), null)
                        : new StateTransactionItem(null, new StateDeleteItem(item.Key, item.ETag, item.Concurrency, item.Consistency, metadata)));
                }
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.MalformedRequest(ex.Message));
                return;
            }

            await state.TransactAsync(storeName, operations, Merge(requestMetadata, queryMetadata), context.RequestAborted);
            ApiHttp.WriteEmpty(context.Response);
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public Task QueryAsync(HttpContext context, string storeName)
    {
        try
        {
            state.Query(storeName);
            return Task.CompletedTask;
        }
        catch (DaprApiException ex)
        {
            return ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    private static (string Operation, JsonElement Request) ParseOperation(JsonElement operation)
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

        return (name, request);
    }

    private static void WriteBulk(Utf8JsonWriter writer, IEnumerable<BulkStateResult> results)
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
    }

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
