using System.Text.Json;
using BioDapr.Sidecar.Actors;
using BioDapr.Sidecar.Components.State;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Runtime;
using Dapr.Client.Autogen.Grpc.v1;
using ActorRuntime = BioDapr.Sidecar.Actors.ActorRuntime;
using BioDapr.Sidecar.Wire;
using Google.Protobuf;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// The actor methods daprd serves over gRPC (invoke, state get and transaction, reminders, timers),
/// translated onto the same <see cref="ActorRuntime"/> the HTTP actor API uses (daprd:
/// <c>pkg/api/grpc/grpc.go</c>, <c>pkg/api/universal/actors.go</c>).
/// </summary>
internal sealed class ActorsGrpc(SidecarRuntime runtime)
{
    private static readonly Google.Protobuf.WellKnownTypes.Empty Empty = new();

    public async Task<InvokeActorResponse> InvokeActorAsync(InvokeActorRequest request, ServerCallContext call)
    {
        foreach (var (name, value) in new[] { ("actorType", request.ActorType), ("actorId", request.ActorId) })
        {
            if (MethodName.ValidateName(value) is { } invalid)
            {
                throw new DaprApiException(DaprErrors.BadRequest($"invalid {name}: {invalid}"));
            }
        }

        if (!MethodName.TryNormalize(request.Method, out var method, out var error))
        {
            throw new DaprApiException(DaprErrors.BadRequest(error));
        }

        var actors = Actors();
        using var message = new HttpRequestMessage(HttpMethod.Put, new Uri("http://actor/", UriKind.Absolute))
        {
            Content = new ByteArrayContent(request.Data.ToByteArray()),
        };
        message.Headers.TryAddWithoutValidation("Dapr-API-Call", "true");
        foreach (var (key, value) in request.Metadata)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        var reentrancyId = call.RequestHeaders.GetValue(ActorInvoker.ReentrancyHeader.ToLowerInvariant());
        var result = await actors.Invoker.InvokeAsync(request.ActorType, request.ActorId, method, message, reentrancyId, call.CancellationToken);
        if (result.StatusCode is < 200 or > 299)
        {
            throw new DaprApiException(DaprErrors.ActorInvoke(System.Text.Encoding.UTF8.GetString(result.Body)));
        }

        return new InvokeActorResponse { Data = ByteString.CopyFrom(result.Body) };
    }

    public async Task<GetActorStateResponse> GetActorStateAsync(GetActorStateRequest request, ServerCallContext call)
    {
        var actors = Actors();
        var item = await actors.State.GetAsync(request.ActorType, request.ActorId, request.Key, call.CancellationToken);
        var response = new GetActorStateResponse();
        if (item is not null)
        {
            response.Data = ByteString.CopyFrom(item.Data.Span);
            response.Metadata.Put(item.Metadata);
        }

        return response;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> ExecuteActorStateTransactionAsync(ExecuteActorStateTransactionRequest request, ServerCallContext call)
    {
        var actors = Actors();
        var ttlEnabled = runtime.Configuration.Features.TryGetValue("ActorStateTTL", out var on) && on;
        var operations = new List<StateOperation>();
        foreach (var operation in request.Operations)
        {
            if (operation.Metadata.ContainsKey("ttlInSeconds") && !ttlEnabled)
            {
                throw new DaprApiException(DaprErrors.ActorStateTransaction("ttlInSeconds is not supported without the \"ActorStateTTL\" feature enabled"));
            }

            var key = actors.State.StateKey(request.ActorType, request.ActorId, operation.Key);
            var metadata = new Dictionary<string, string>(operation.Metadata, StringComparer.Ordinal);
            operations.Add(operation.OperationType switch
            {
                // The SDKs send the value as an Any whose bytes are the JSON value.
                "upsert" => StateOperation.Upsert(new StateSetRequest(key, operation.Value?.Value.Memory ?? "null"u8.ToArray(), null, StateConcurrency.Unspecified, StateConsistency.Unspecified, metadata)),
                "delete" => StateOperation.Remove(new StateDeleteRequest(key, null, StateConcurrency.Unspecified, StateConsistency.Unspecified, metadata)),
                _ => throw new DaprApiException(DaprErrors.ActorStateTransaction($"operation type {operation.OperationType} not supported")),
            });
        }

        await actors.State.TransactionAsync(request.ActorType, request.ActorId, operations, call.CancellationToken);
        return Empty;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> RegisterActorReminderAsync(RegisterActorReminderRequest request, ServerCallContext call)
    {
        var actors = Actors();
        var body = Body(request.DueTime, request.Period, request.Ttl, request.Data, callback: null, request.HasOverwrite ? request.Overwrite : null);
        await actors.Reminders.CreateAsync(request.ActorType, request.ActorId, request.Name, body, call.CancellationToken);
        return Empty;
    }

    public async Task<Google.Protobuf.WellKnownTypes.Empty> UnregisterActorReminderAsync(UnregisterActorReminderRequest request, ServerCallContext call)
    {
        var actors = Actors();
        await actors.Reminders.DeleteAsync(request.ActorType, request.ActorId, request.Name, call.CancellationToken);
        return Empty;
    }

    public async Task<GetActorReminderResponse> GetActorReminderAsync(GetActorReminderRequest request, ServerCallContext call)
    {
        var actors = Actors();
        var reminder = await actors.Reminders.GetAsync(request.ActorType, request.ActorId, request.Name, call.CancellationToken)
            ?? throw new DaprApiException(DaprErrors.ActorReminderNotFound(request.Name));
        var response = new GetActorReminderResponse { ActorType = reminder.ActorType, ActorId = reminder.ActorId, Data = ReminderData(reminder) };
        if (reminder.DueTime.Length > 0)
        {
            response.DueTime = reminder.DueTime;
        }

        if (reminder.SchedulePeriod is { } period)
        {
            response.Period = period;
        }

        if (reminder.Expiration is { } ttl)
        {
            response.Ttl = ttl;
        }

        return response;
    }

    public async Task<ListActorRemindersResponse> ListActorRemindersAsync(ListActorRemindersRequest request, ServerCallContext call)
    {
        var actors = Actors();
        var reminders = await actors.Reminders.ListAsync(request.ActorType, request.HasActorId ? request.ActorId : null, call.CancellationToken);
        var response = new ListActorRemindersResponse();
        foreach (var reminder in reminders)
        {
            var item = new ActorReminder { ActorType = reminder.ActorType, ActorId = reminder.ActorId, Data = ReminderData(reminder) };
            if (reminder.DueTime.Length > 0)
            {
                item.DueTime = reminder.DueTime;
            }

            if (reminder.SchedulePeriod is { } period)
            {
                item.Period = period;
            }

            if (reminder.Expiration is { } ttl)
            {
                item.Ttl = ttl;
            }

            response.Reminders.Add(new NamedActorReminder { Name = reminder.Name, Reminder = item });
        }

        return response;
    }

    public async Task<UnregisterActorRemindersByTypeResponse> UnregisterActorRemindersByTypeAsync(UnregisterActorRemindersByTypeRequest request, ServerCallContext call)
    {
        var actors = Actors();
        await actors.Reminders.DeleteAllAsync(request.ActorType, request.HasActorId ? request.ActorId : null, call.CancellationToken);
        return new UnregisterActorRemindersByTypeResponse();
    }

    public Task<Google.Protobuf.WellKnownTypes.Empty> RegisterActorTimerAsync(RegisterActorTimerRequest request, ServerCallContext call)
    {
        _ = call;
        var actors = Actors();
        var body = Body(request.DueTime, request.Period, request.Ttl, request.Data, request.Callback, overwrite: null);
        actors.Timers.Create(request.ActorType, request.ActorId, request.Name, body);
        return Task.FromResult(Empty);
    }

    public Task<Google.Protobuf.WellKnownTypes.Empty> UnregisterActorTimerAsync(UnregisterActorTimerRequest request, ServerCallContext call)
    {
        _ = call;
        Actors().Timers.Delete(request.ActorType, request.ActorId, request.Name);
        return Task.FromResult(Empty);
    }

    // The HTTP API's JSON body, built from the gRPC fields: data bytes that are JSON stay JSON, others go as a base64 string.
    private static JsonElement Body(string dueTime, string period, string ttl, ByteString data, string? callback, bool? overwrite)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("dueTime", dueTime);
            writer.WriteString("period", period);
            if (ttl.Length > 0)
            {
                writer.WriteString("ttl", ttl);
            }

            if (callback is { Length: > 0 })
            {
                writer.WriteString("callback", callback);
            }

            if (overwrite is { } value)
            {
                writer.WriteBoolean("overwrite", value);
            }

            if (!data.IsEmpty)
            {
                writer.WritePropertyName("data");
                try
                {
                    using var json = JsonDocument.Parse(data.Memory);
                    json.RootElement.WriteTo(writer);
                }
                catch (JsonException)
                {
                    writer.WriteStringValue(data.ToBase64());
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    // daprd keeps a reminder's data as a google.protobuf.BytesValue holding the JSON (pkg/api/universal/actors.go).
    private static Google.Protobuf.WellKnownTypes.Any? ReminderData(ReminderRecord reminder) =>
        reminder.Data is { } data
            ? Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Protobuf.WellKnownTypes.BytesValue { Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(data)) })
            : null;

    private ActorRuntime Actors() =>
        (runtime.Components.ActorStateStore is null ? null : runtime.Actors) ?? throw new DaprApiException(DaprErrors.ActorRuntimeNotFound());

}
