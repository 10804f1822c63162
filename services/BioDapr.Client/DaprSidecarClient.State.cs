using System.Net;
using System.Text.Json;

namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    private const string MetadataHeaderPrefix = "metadata.";

    /// <inheritdoc />
    public async Task<T?> GetStateAsync<T>(string storeName, string key, StateConsistencyMode consistency = StateConsistencyMode.Unspecified, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var entry = await GetStateEntryAsync<T>(storeName, key, consistency, metadata, cancellationToken).ConfigureAwait(false);
        return entry is null ? default : entry.Value;
    }

    /// <inheritdoc />
    public async Task<StateEntry<T?>?> GetStateEntryAsync<T>(string storeName, string key, StateConsistencyMode consistency = StateConsistencyMode.Unspecified, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var raw = await GetStateRawAsync(storeName, key, consistency, metadata, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return null;
        }

        var value = DaprHttpTransport.DeserializePayload<T>(raw.Value.Span, _json, () => $"State '{key}' of store '{storeName}'");
        return new StateEntry<T?>(raw.Key, value, raw.ETag, raw.Metadata);
    }

    /// <inheritdoc />
    public async Task<StateEntry<ReadOnlyMemory<byte>>?> GetStateRawAsync(string storeName, string key, StateConsistencyMode consistency = StateConsistencyMode.Unspecified, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var path = DaprRequestPath.V1().Literal("state").Segment(storeName).Segment(key)
            .Query("consistency", StateWriteOptions.ToWire(consistency))
            .Metadata(metadata);

        using var request = _transport.CreateRequest(HttpMethod.Get, path);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        var data = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);

        // daprd sends the store's ETag unquoted (Redis: "1"), which the typed EntityTagHeaderValue rejects.
        var etag = response.Headers.TryGetValues("ETag", out var etags) ? etags.FirstOrDefault() : null;
        return new StateEntry<ReadOnlyMemory<byte>>(key, data, etag, ReadMetadataHeaders(response));
    }

    /// <inheritdoc />
    public Task SaveStateAsync<T>(string storeName, string key, T value, string? etag = null, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return SaveAsync(storeName, [StateItemWriter(key, value, etag, options, metadata)], queryMetadata: null, tolerateConflict: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TrySaveStateAsync<T>(string storeName, string key, T value, string etag, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(etag);
        return SaveAsync(storeName, [StateItemWriter(key, value, etag, options, metadata)], queryMetadata: null, tolerateConflict: true, cancellationToken);
    }

    /// <inheritdoc />
    public Task SaveStatesAsync(string storeName, IReadOnlyList<SaveStateItem> items, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var writers = new List<Action<Utf8JsonWriter>>(items.Count);
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            ArgumentException.ThrowIfNullOrEmpty(item.Key, nameof(items));
            writers.Add(StateItemWriter(item.Key, item.Value, item.ETag, item.Options, item.Metadata));
        }

        return SaveAsync(storeName, writers, metadata, tolerateConflict: false, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteStateAsync(string storeName, string key, string? etag = null, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(storeName, key, etag, options, metadata, tolerateConflict: false, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryDeleteStateAsync(string storeName, string key, string etag, StateWriteOptions? options = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(etag);
        return DeleteAsync(storeName, key, etag, options, metadata, tolerateConflict: true, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BulkStateItem>> GetBulkStateAsync(string storeName, IReadOnlyList<string> keys, int parallelism = 0, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfNegative(parallelism);

        var body = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in keys)
            {
                writer.WriteStringValue(key);
            }

            writer.WriteEndArray();
            if (parallelism > 0)
            {
                writer.WriteNumber("parallelism", parallelism);
            }

            DaprHttpContent.WriteMetadata(writer, "metadata", metadata);
            writer.WriteEndObject();
        });

        var path = DaprRequestPath.V1().Literal("state").Segment(storeName).Literal("bulk");
        var items = await _transport.SendForProtocolJsonAsync(
            _transport.CreateRequest(HttpMethod.Post, path, body),
            DaprProtocolJsonContext.Default.ListBulkGetItemBody,
            cancellationToken).ConfigureAwait(false);

        return items is null
            ? []
            : [.. items.Select(item => new BulkStateItem(
                item.Key ?? string.Empty,
                item.Data is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } data ? data : null,
                item.Etag,
                item.Metadata ?? Empty,
                string.IsNullOrEmpty(item.Error) ? null : item.Error))];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BulkStateItem<T>>> GetBulkStateAsync<T>(string storeName, IReadOnlyList<string> keys, int parallelism = 0, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var items = await GetBulkStateAsync(storeName, keys, parallelism, metadata, cancellationToken).ConfigureAwait(false);
        return [.. items.Select(item => item.Data is { } data
            ? new BulkStateItem<T>(item.Key, DeserializeElement<T>(data, storeName, item.Key), true, item.ETag, item.Metadata, item.Error)
            : new BulkStateItem<T>(item.Key, default, false, item.ETag, item.Metadata, item.Error))];
    }

    /// <inheritdoc />
    public Task ExecuteStateTransactionAsync(string storeName, IReadOnlyList<StateTransactionOperation> operations, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentNullException.ThrowIfNull(operations);
        foreach (var operation in operations)
        {
            ArgumentNullException.ThrowIfNull(operation, nameof(operations));
            ArgumentException.ThrowIfNullOrEmpty(operation.Key, nameof(operations));
        }

        var body = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("operations");
            foreach (var operation in operations)
            {
                writer.WriteStartObject();
                writer.WriteString("operation", operation.OperationType == StateTransactionOperationType.Upsert ? "upsert" : "delete");
                writer.WritePropertyName("request");
                writer.WriteStartObject();
                writer.WriteString("key", operation.Key);
                if (operation.OperationType == StateTransactionOperationType.Upsert)
                {
                    DaprHttpContent.WriteValue(writer, "value", operation.Value, _json);
                }

                WriteETagOptionsMetadata(writer, operation.ETag, operation.Options, operation.Metadata);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            DaprHttpContent.WriteMetadata(writer, "metadata", metadata);
            writer.WriteEndObject();
        });

        var path = DaprRequestPath.V1().Literal("state").Segment(storeName).Literal("transaction");
        return _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Post, path, body), cancellationToken);
    }

    private Action<Utf8JsonWriter> StateItemWriter<T>(string key, T value, string? etag, StateWriteOptions? options, IReadOnlyDictionary<string, string>? metadata) =>
        writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("key", key);
            writer.WritePropertyName("value");
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else if (typeof(T) == typeof(object))
            {
                // Items of a multi-item save are typed object: serialize what they really are.
                JsonSerializer.Serialize(writer, value, value.GetType(), _json);
            }
            else
            {
                JsonSerializer.Serialize(writer, value, _json);
            }

            WriteETagOptionsMetadata(writer, etag, options, metadata);
            writer.WriteEndObject();
        };

    private static void WriteETagOptionsMetadata(Utf8JsonWriter writer, string? etag, StateWriteOptions? options, IReadOnlyDictionary<string, string>? metadata)
    {
        if (etag is not null)
        {
            writer.WriteString("etag", etag);
        }

        DaprHttpContent.WriteMetadata(writer, "metadata", metadata);
        DaprHttpContent.WriteStateOptions(writer, options);
    }

    private async Task<bool> SaveAsync(string storeName, IReadOnlyList<Action<Utf8JsonWriter>> items, IReadOnlyDictionary<string, string>? queryMetadata, bool tolerateConflict, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        var body = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartArray();
            foreach (var write in items)
            {
                write(writer);
            }

            writer.WriteEndArray();
        });

        var path = DaprRequestPath.V1().Literal("state").Segment(storeName).Metadata(queryMetadata);
        using var request = _transport.CreateRequest(HttpMethod.Post, path, body);
        return await SendStateWriteAsync(request, tolerateConflict, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> DeleteAsync(string storeName, string key, string? etag, StateWriteOptions? options, IReadOnlyDictionary<string, string>? metadata, bool tolerateConflict, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var path = DaprRequestPath.V1().Literal("state").Segment(storeName).Segment(key)
            .Query("concurrency", StateWriteOptions.ToWire(options?.Concurrency ?? StateConcurrencyMode.Unspecified))
            .Query("consistency", StateWriteOptions.ToWire(options?.Consistency ?? StateConsistencyMode.Unspecified))
            .Metadata(metadata);

        using var request = _transport.CreateRequest(HttpMethod.Delete, path);
        if (etag is not null)
        {
            // Sent raw: daprd compares the header text with the store's version, quotes included.
            request.Headers.TryAddWithoutValidation("If-Match", etag);
        }

        return await SendStateWriteAsync(request, tolerateConflict, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> SendStateWriteAsync(HttpRequestMessage request, bool tolerateConflict, CancellationToken cancellationToken)
    {
        using var response = await _transport.SendUncheckedAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        if (tolerateConflict && response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        throw await DaprHttpTransport.CreateExceptionAsync(request, response, cancellationToken).ConfigureAwait(false);
    }

    private T? DeserializeElement<T>(JsonElement data, string storeName, string key)
    {
        try
        {
            return data.Deserialize<T>(_json);
        }
        catch (JsonException ex)
        {
            throw new JsonException($"State '{key}' of store '{storeName}': the value could not be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private static Dictionary<string, string> ReadMetadataHeaders(HttpResponseMessage response)
    {
        // Go canonicalises header names (metadata.ttlExpireTime arrives as Metadata.ttlexpiretime),
        // so the keys are matched without regard to case.
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.Length > MetadataHeaderPrefix.Length && name.StartsWith(MetadataHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                metadata[name[MetadataHeaderPrefix.Length..]] = string.Join(",", values);
            }
        }

        return metadata;
    }
}
