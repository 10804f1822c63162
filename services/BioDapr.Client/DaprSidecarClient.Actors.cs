using System.Net;
using System.Text.Json;

namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    /// <summary>The header that carries an actor call chain's reentrancy id.</summary>
    public const string ReentrancyIdHeader = "Dapr-Reentrancy-Id";

    /// <inheritdoc />
    public Task<HttpResponseMessage> InvokeActorMethodWithResponseAsync(string actorType, string actorId, string method, HttpContent? content, string? reentrancyId = null, CancellationToken cancellationToken = default)
    {
        var request = CreateActorMethodRequest(actorType, actorId, method, content, reentrancyId);
        return SendAndDisposeRequestAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<TResponse?> InvokeActorMethodAsync<TRequest, TResponse>(string actorType, string actorId, string method, TRequest data, CancellationToken cancellationToken = default)
    {
        using var request = CreateActorMethodRequest(actorType, actorId, method, DaprHttpContent.Serialize(data, _json, DaprContentTypes.Json), null);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await DaprHttpTransport.ReadPayloadAsync<TResponse>(request, response, _json, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TResponse?> InvokeActorMethodAsync<TResponse>(string actorType, string actorId, string method, CancellationToken cancellationToken = default)
    {
        using var request = CreateActorMethodRequest(actorType, actorId, method, null, null);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await DaprHttpTransport.ReadPayloadAsync<TResponse>(request, response, _json, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task InvokeActorMethodAsync(string actorType, string actorId, string method, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(CreateActorMethodRequest(actorType, actorId, method, null, null), cancellationToken);

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>?> GetActorStateRawAsync(string actorType, string actorId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        using var request = _transport.CreateRequest(HttpMethod.Get, ActorPath(actorType, actorId).Literal("state").Segment(key));
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<T?> GetActorStateAsync<T>(string actorType, string actorId, string key, CancellationToken cancellationToken = default)
    {
        var raw = await GetActorStateRawAsync(actorType, actorId, key, cancellationToken).ConfigureAwait(false);
        return raw is { } data
            ? DaprHttpTransport.DeserializePayload<T>(data.Span, _json, () => $"State '{key}' of actor {actorType}/{actorId}")
            : default;
    }

    /// <inheritdoc />
    public Task ExecuteActorStateTransactionAsync(string actorType, string actorId, IReadOnlyList<ActorStateOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var content = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartArray();
            foreach (var operation in operations)
            {
                writer.WriteStartObject();
                writer.WriteString("operation", operation.IsDelete ? "delete" : "upsert");
                writer.WriteStartObject("request");
                writer.WriteString("key", operation.Key);
                if (!operation.IsDelete)
                {
                    writer.WritePropertyName("value");
                    if (operation.Value is { } value)
                    {
                        value.WriteTo(writer);
                    }
                    else
                    {
                        writer.WriteNullValue();
                    }
                }

                DaprHttpContent.WriteMetadata(writer, "metadata", operation.Metadata);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
        return _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Post, ActorPath(actorType, actorId).Literal("state"), content), cancellationToken);
    }

    /// <inheritdoc />
    public Task RegisterActorReminderAsync(string actorType, string actorId, string name, ActorReminder reminder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        var content = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartObject();
            WriteIfSet(writer, "dueTime", reminder.DueTime);
            WriteIfSet(writer, "period", reminder.Period);
            WriteIfSet(writer, "ttl", reminder.Ttl);
            if (reminder.Data is { } data)
            {
                writer.WritePropertyName("data");
                data.WriteTo(writer);
            }

            if (reminder.Overwrite is { } overwrite)
            {
                writer.WriteBoolean("overwrite", overwrite);
            }

            writer.WriteEndObject();
        });
        return _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Post, ActorPath(actorType, actorId).Literal("reminders").Segment(NotEmpty(name)), content), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ActorReminderInfo?> GetActorReminderAsync(string actorType, string actorId, string name, CancellationToken cancellationToken = default)
    {
        using var request = _transport.CreateRequest(HttpMethod.Get, ActorPath(actorType, actorId).Literal("reminders").Segment(NotEmpty(name)));
        using var response = await _transport.SendUncheckedAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await DaprHttpTransport.CreateExceptionAsync(request, response, cancellationToken).ConfigureAwait(false);
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        var root = document.RootElement;
        string Text(string field) => root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;
        return new ActorReminderInfo(
            Text("actorType"),
            Text("actorID"),
            Text("dueTime"),
            Text("period"),
            Text("ttl"),
            root.TryGetProperty("data", out var data) ? data.Clone() : null);
    }

    /// <inheritdoc />
    public Task UnregisterActorReminderAsync(string actorType, string actorId, string name, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, ActorPath(actorType, actorId).Literal("reminders").Segment(NotEmpty(name))), cancellationToken);

    /// <inheritdoc />
    public Task RegisterActorTimerAsync(string actorType, string actorId, string name, ActorTimer timer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var content = DaprHttpContent.Json(writer =>
        {
            writer.WriteStartObject();
            WriteIfSet(writer, "dueTime", timer.DueTime);
            WriteIfSet(writer, "period", timer.Period);
            WriteIfSet(writer, "ttl", timer.Ttl);
            WriteIfSet(writer, "callback", timer.Callback);
            if (timer.Data is { } data)
            {
                writer.WritePropertyName("data");
                data.WriteTo(writer);
            }

            writer.WriteEndObject();
        });
        return _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Post, ActorPath(actorType, actorId).Literal("timers").Segment(NotEmpty(name)), content), cancellationToken);
    }

    /// <inheritdoc />
    public Task UnregisterActorTimerAsync(string actorType, string actorId, string name, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, ActorPath(actorType, actorId).Literal("timers").Segment(NotEmpty(name))), cancellationToken);

    private HttpRequestMessage CreateActorMethodRequest(string actorType, string actorId, string method, HttpContent? content, string? reentrancyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        var request = _transport.CreateRequest(HttpMethod.Put, ActorPath(actorType, actorId).Literal("method").Segments(method), content);
        if (reentrancyId is not null)
        {
            request.Headers.TryAddWithoutValidation(ReentrancyIdHeader, reentrancyId);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await _transport.SendUncheckedAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
    }

    private static DaprRequestPath ActorPath(string actorType, string actorId)
    {
        ArgumentException.ThrowIfNullOrEmpty(actorType);
        ArgumentException.ThrowIfNullOrEmpty(actorId);
        return DaprRequestPath.V1().Literal("actors").Segment(actorType).Segment(actorId);
    }

    private static string NotEmpty(string name, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(name))] string? parameter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        return name;
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }
}
