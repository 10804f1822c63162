using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace BioDapr.Sidecar.AppChannel;

/// <summary>
/// The actor callbacks over the app-initiated stream <c>SubscribeActorEventsAlpha1</c> (daprd 1.18+,
/// <c>pkg/actors/callbackstream</c>, <c>pkg/actors/targets/app/transport/grpc</c>): the app opens the
/// stream and registers its actor types; the sidecar sends invoke, reminder, timer and deactivate
/// requests, each with an id the app echoes on its answer. Several apps' streams may be open; the most
/// recently registered one is used, as in daprd.
/// </summary>
internal sealed class ActorCallbackStream : IActorCallbackChannel
{
    private const string ReminderCancelHeader = "X-DaprReminderCancel";
    private const string ErrorResponseHeader = "X-DaprErrorResponseHeader";
    private readonly Lock _gate = new();
    private readonly List<Connection> _connections = [];
    private long _ids;

    /// <summary>Adds a registered stream; it becomes the one callbacks go to.</summary>
    public Connection Register(byte[] configuration)
    {
        var connection = new Connection(configuration);
        lock (_gate)
        {
            _connections.Add(connection);
        }

        return connection;
    }

    /// <summary>Removes a stream and fails its pending callbacks; returns the configuration of the stream now in use, or null.</summary>
    public byte[]? Close(Connection connection)
    {
        connection.Close();
        lock (_gate)
        {
            _connections.Remove(connection);
            return _connections.Count > 0 ? _connections[^1].Configuration : null;
        }
    }

    public async Task<AppResponse> CallAsync(string type, string id, string path, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        if (path.StartsWith("method/remind/", StringComparison.Ordinal) || path.StartsWith("method/timer/", StringComparison.Ordinal))
        {
            var isTimer = path.StartsWith("method/timer/", StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(path[(isTimer ? "method/timer/" : "method/remind/").Length..]);
            using var json = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            string Text(string field) => json.RootElement.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

            // daprd hands the data over as a google.protobuf.BytesValue holding the JSON.
            Any? data = json.RootElement.TryGetProperty("data", out var d) && d.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                ? Any.Pack(new BytesValue { Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(d)) })
                : null;
            var answer = await SendAsync(
                requestId => isTimer
                    ? new SubscribeActorEventsResponseAlpha1 { TimerRequest = new SubscribeActorEventsResponseTimerRequestAlpha1 { Id = requestId, ActorType = type, ActorId = id, Name = name, DueTime = Text("dueTime"), Period = Text("period"), Callback = Text("callback"), Data = data } }
                    : new SubscribeActorEventsResponseAlpha1 { ReminderRequest = new SubscribeActorEventsResponseReminderRequestAlpha1 { Id = requestId, ActorType = type, ActorId = id, Name = name, DueTime = Text("dueTime"), Period = Text("period"), Data = data } },
                cancellationToken);
            var result = (isTimer ? answer.TimerResponse : answer.ReminderResponse)
                ?? throw Failure(answer, method: null, $"actor host returned an unexpected response type for {(isTimer ? "timer" : "reminder")}");
            return new AppResponse(200, result.Cancel ? [new(ReminderCancelHeader, ["true"])] : [], []);
        }

        var method = Uri.UnescapeDataString(path["method/".Length..].Split('?')[0]);
        var metadata = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .Where(h => h.Value.Any())
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Value.First(), StringComparer.OrdinalIgnoreCase);
        var reply = await SendAsync(
            requestId =>
            {
                var invoke = new SubscribeActorEventsResponseInvokeRequestAlpha1 { Id = requestId, ActorType = type, ActorId = id, Method = method, Data = ByteString.CopyFrom(body) };
                invoke.Metadata.Add(metadata);
                return new SubscribeActorEventsResponseAlpha1 { InvokeRequest = invoke };
            },
            cancellationToken);
        var response = reply.InvokeResponse ?? throw Failure(reply, method, "actor host returned an unexpected response type for invoke");
        var headers = response.Metadata.Select(m => new KeyValuePair<string, string[]>(m.Key, [m.Value])).ToList();
        if (response.Error)
        {
            headers.Add(new(ErrorResponseHeader, ["true"]));
        }

        return new AppResponse(200, headers, response.Data.ToByteArray());
    }

    public async Task<int> DeactivateAsync(string type, string id, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(
            requestId => new SubscribeActorEventsResponseAlpha1 { DeactivateRequest = new SubscribeActorEventsResponseDeactivateRequestAlpha1 { Id = requestId, ActorType = type, ActorId = id } },
            cancellationToken);
        return answer.DeactivateResponse is not null ? 200 : 500;
    }

    // daprd: a request_failed with NotFound is a missing method (not retried); any other is the app's error.
    private static DaprApiException Failure(SubscribeActorEventsRequestAlpha1 answer, string? method, string unexpected) =>
        answer.RequestFailed is { } failed
            ? new DaprApiException(DaprErrors.ActorInvoke(method is not null && failed.Code == (uint)GrpcStatusCode.NotFound
                ? $"actor method not found: {method}"
                : $"error from actor service: {failed.Message}"))
            : new DaprApiException(DaprErrors.ActorInvoke(unexpected));

    private async Task<SubscribeActorEventsRequestAlpha1> SendAsync(Func<string, SubscribeActorEventsResponseAlpha1> build, CancellationToken cancellationToken)
    {
        Connection connection;
        lock (_gate)
        {
            connection = _connections.Count > 0 ? _connections[^1] : throw new DaprApiException(DaprErrors.ActorInvoke("actor host is not connected"));
        }

        var id = Interlocked.Increment(ref _ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await connection.SendAsync(id, build(id), cancellationToken);
    }

    /// <summary>One open stream: what it registered, its outbox and the callbacks waiting for an answer.</summary>
    internal sealed class Connection(byte[] configuration)
    {
        private readonly Channel<SubscribeActorEventsResponseAlpha1> _outbox = System.Threading.Channels.Channel.CreateBounded<SubscribeActorEventsResponseAlpha1>(128);
        private readonly ConcurrentDictionary<string, TaskCompletionSource<SubscribeActorEventsRequestAlpha1>> _pending = new(StringComparer.Ordinal);
        private volatile bool _closed;

        /// <summary>What the app registered: its actor configuration in the shape of <c>GET /dapr/config</c>.</summary>
        public byte[] Configuration { get; } = configuration;

        /// <summary>The requests to write to the stream, in order.</summary>
        public ChannelReader<SubscribeActorEventsResponseAlpha1> Outbox => _outbox.Reader;

        /// <summary>Hands an answer from the app to the callback waiting for it (unknown ids are ignored, as in daprd).</summary>
        public void Deliver(SubscribeActorEventsRequestAlpha1 message)
        {
            var id = message.RequestTypeCase switch
            {
                SubscribeActorEventsRequestAlpha1.RequestTypeOneofCase.InvokeResponse => message.InvokeResponse.Id,
                SubscribeActorEventsRequestAlpha1.RequestTypeOneofCase.ReminderResponse => message.ReminderResponse.Id,
                SubscribeActorEventsRequestAlpha1.RequestTypeOneofCase.TimerResponse => message.TimerResponse.Id,
                SubscribeActorEventsRequestAlpha1.RequestTypeOneofCase.DeactivateResponse => message.DeactivateResponse.Id,
                SubscribeActorEventsRequestAlpha1.RequestTypeOneofCase.RequestFailed => message.RequestFailed.Id,
                _ => null,
            };
            if (id is not null && _pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetResult(message);
            }
        }

        public async Task<SubscribeActorEventsRequestAlpha1> SendAsync(string id, SubscribeActorEventsResponseAlpha1 message, CancellationToken cancellationToken)
        {
            var answer = new TaskCompletionSource<SubscribeActorEventsRequestAlpha1>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = answer;
            try
            {
                if (_closed || !_outbox.Writer.TryWrite(message) && !await WriteAsync(message, cancellationToken))
                {
                    throw Disconnected();
                }

                using var cancel = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
                return await answer.Task;
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }

        public void Close()
        {
            _closed = true;
            _outbox.Writer.TryComplete();
            foreach (var id in _pending.Keys)
            {
                if (_pending.TryRemove(id, out var waiting))
                {
                    waiting.TrySetException(Disconnected());
                }
            }
        }

        private static DaprApiException Disconnected() => new(DaprErrors.ActorInvoke("actor host disconnected before responding"));

        private async Task<bool> WriteAsync(SubscribeActorEventsResponseAlpha1 message, CancellationToken cancellationToken)
        {
            try
            {
                await _outbox.Writer.WriteAsync(message, cancellationToken);
                return true;
            }
            catch (ChannelClosedException)
            {
                return false;
            }
        }
    }
}
