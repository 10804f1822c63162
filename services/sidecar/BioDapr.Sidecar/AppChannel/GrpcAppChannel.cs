using System.Net.Sockets;
using System.Text.Json;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Resources;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using BioDapr.Sidecar.Grpc;
using Grpc.Net.Client;

namespace BioDapr.Sidecar.AppChannel;

/// <summary>
/// The app channel for <c>--app-protocol grpc</c>: every call the sidecar makes to an app that serves
/// daprd's <c>AppCallback</c> and <c>AppCallbackHealthCheck</c> services over HTTP/2 without TLS —
/// <c>ListTopicSubscriptions</c>, <c>OnTopicEvent</c>, <c>OnBulkTopicEvent</c> (falling back to
/// <c>AppCallbackAlpha.OnBulkTopicEventAlpha1</c>), <c>OnInvoke</c> and the health check. Adds
/// <c>dapr-api-token: APP_API_TOKEN</c> and applies <c>--app-max-concurrency</c>, as the HTTP channel does.
/// Delivery rules follow daprd's gRPC postman (<c>pkg/runtime/subscription/postman/grpc</c>).
/// </summary>
internal sealed class GrpcAppChannel : IEventSink, IDisposable
{
    /// <summary>
    /// Carries the <c>type_url</c> of an <c>InvokeRequest</c>/<c>InvokeResponse</c> <c>Any</c> across the HTTP hops
    /// between sidecars, so a gRPC caller and a gRPC app see the same <c>Any</c> (daprd forwards the proto).
    /// </summary>
    public const string AnyTypeUrlHeader = "x-biodapr-any-type-url";

    private const string AppCallbackService = "dapr.proto.runtime.v1.AppCallback";

    private static readonly HashSet<string> StandardCloudEventFields = new(StringComparer.Ordinal)
    {
        "id", "source", "type", "specversion", "datacontenttype", "data", "data_base64",
    };

    // Dapr.Protos generates no client for the app-side services, so the methods are declared here by name.
    private static readonly Method<Empty, ListTopicSubscriptionsResponse> ListTopicSubscriptionsMethod = Unary<Empty, ListTopicSubscriptionsResponse>(AppCallbackService, "ListTopicSubscriptions");
    private static readonly Method<TopicEventRequest, TopicEventResponse> OnTopicEventMethod = Unary<TopicEventRequest, TopicEventResponse>(AppCallbackService, "OnTopicEvent");
    private static readonly Method<TopicEventBulkRequest, TopicEventBulkResponse> OnBulkTopicEventMethod = Unary<TopicEventBulkRequest, TopicEventBulkResponse>(AppCallbackService, "OnBulkTopicEvent");
    private static readonly Method<TopicEventBulkRequest, TopicEventBulkResponse> OnBulkTopicEventAlpha1Method = Unary<TopicEventBulkRequest, TopicEventBulkResponse>("dapr.proto.runtime.v1.AppCallbackAlpha", "OnBulkTopicEventAlpha1");
    private static readonly Method<InvokeRequest, InvokeResponse> OnInvokeMethod = Unary<InvokeRequest, InvokeResponse>(AppCallbackService, "OnInvoke");
    private static readonly Method<Empty, HealthCheckResponse> HealthCheckMethod = Unary<Empty, HealthCheckResponse>("dapr.proto.runtime.v1.AppCallbackHealthCheck", "HealthCheck");

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly SemaphoreSlim? _concurrency;
    private readonly string? _appApiToken;

    public GrpcAppChannel(string channelAddress, int appPort, string? appApiToken, int maxConcurrency, long maxMessageSize)
    {
        ChannelAddress = channelAddress;
        Port = appPort;
        _appApiToken = string.IsNullOrEmpty(appApiToken) ? null : appApiToken;
        _concurrency = maxConcurrency > 0 ? new SemaphoreSlim(maxConcurrency, maxConcurrency) : null;
        _channel = GrpcChannel.ForAddress($"http://{channelAddress}:{appPort}", new GrpcChannelOptions
        {
            MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, maxMessageSize),
            MaxSendMessageSize = (int)Math.Min(int.MaxValue, maxMessageSize),
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5), ActivityHeadersPropagator = null },
        });
        _invoker = _channel.CreateCallInvoker();
    }

    public string ChannelAddress { get; }

    public int Port { get; }

    /// <summary>Waits until the app port accepts TCP connections (daprd blocks startup on this).</summary>
    public async Task WaitForPortAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(ChannelAddress, Port, attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            }
        }
    }

    /// <summary><c>AppCallbackHealthCheck.HealthCheck</c> within the timeout (no token, as daprd's probes).</summary>
    public async Task<bool> ProbeHealthAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _invoker.AsyncUnaryCall(HealthCheckMethod, null, new CallOptions(deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken), new Empty()).ResponseAsync;
            return true;
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The app's programmatic subscriptions (<c>ListTopicSubscriptions</c>); Unimplemented means none.</summary>
    public async Task<IReadOnlyList<SubscriptionDefinition>> ListTopicSubscriptionsAsync(CancellationToken cancellationToken)
    {
        ListTopicSubscriptionsResponse response;
        try
        {
            response = await CallAsync(headers => Call(ListTopicSubscriptionsMethod, new Empty(), headers, cancellationToken), cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return [];
        }

        return response.Subscriptions.Select(s => new SubscriptionDefinition(
                Name: s.PubsubName + "/" + s.Topic,
                PubsubName: s.PubsubName,
                Topic: s.Topic,
                Routes: new SubscriptionRoutes(
                    s.Routes?.Rules.Select(r => RoutingRuleFactory.Create(r.Match, r.Path)).ToList() ?? [],
                    string.IsNullOrEmpty(s.Routes?.Default) ? null : s.Routes.Default),
                Metadata: new Dictionary<string, string>(s.Metadata, StringComparer.Ordinal),
                DeadLetterTopic: string.IsNullOrEmpty(s.DeadLetterTopic) ? null : s.DeadLetterTopic,
                BulkSubscribe: s.BulkSubscribe is { } bulk ? new BulkSubscribeOptions(bulk.Enabled, bulk.MaxMessagesCount, bulk.MaxAwaitDurationMs) : null,
                Scopes: [],
                Kind: SubscriptionKind.Programmatic,
                SourceFile: null))
            .ToList();
    }

    /// <summary>
    /// Service invocation to the app (<c>OnInvoke</c>): the HTTP request becomes an <c>InvokeRequest</c>
    /// (method, data, content type, verb and query string) with its headers as metadata; the answer comes
    /// back as 200 with the data, or the HTTP status daprd maps the gRPC code to, with the message as body.
    /// </summary>
    public async Task<AppResponse> InvokeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.PathAndQuery : request.RequestUri.OriginalString;
        var q = uri.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? uri[(q + 1)..] : string.Empty;
        var path = (q >= 0 ? uri[..q] : uri).TrimStart('/');
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var invoke = new InvokeRequest
        {
            Method = Uri.UnescapeDataString(path),
            Data = new Any
            {
                Value = ByteString.CopyFrom(body),
                TypeUrl = request.Headers.TryGetValues(AnyTypeUrlHeader, out var typeUrl) ? typeUrl.First() : string.Empty,
            },
            ContentType = request.Content?.Headers.ContentType?.ToString() ?? string.Empty,
            HttpExtension = new HTTPExtension
            {
                Verb = System.Enum.TryParse<HTTPExtension.Types.Verb>(request.Method.Method, ignoreCase: true, out var verb) ? verb : HTTPExtension.Types.Verb.Post,
                Querystring = query,
            },
        };
        try
        {
            var response = await CallAsync(
                headers =>
                {
                    foreach (var header in request.Headers)
                    {
                        if (!AppChannelClient.HopByHopHeaders.Contains(header.Key) && !string.Equals(header.Key, "dapr-api-token", StringComparison.OrdinalIgnoreCase)
                            && !string.Equals(header.Key, AnyTypeUrlHeader, StringComparison.OrdinalIgnoreCase))
                        {
                            headers.Add(header.Key.ToLowerInvariant(), string.Join(", ", header.Value));
                        }
                    }

                    return Call(OnInvokeMethod, invoke, headers, cancellationToken);
                },
                cancellationToken);
            var headersOut = new List<KeyValuePair<string, string[]>>();
            if (response.ContentType.Length > 0)
            {
                headersOut.Add(new("Content-Type", [response.ContentType]));
            }

            if (response.Data is { TypeUrl.Length: > 0 } data)
            {
                headersOut.Add(new(AnyTypeUrlHeader, [data.TypeUrl]));
            }

            return new AppResponse(200, headersOut, response.Data?.Value.ToByteArray() ?? []);
        }
        catch (RpcException ex) when (ex.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled))
        {
            return new AppResponse(HttpStatus(ex.StatusCode), [new("Content-Type", ["text/plain; charset=utf-8"])], System.Text.Encoding.UTF8.GetBytes(ex.Status.Detail));
        }
        catch (RpcException ex)
        {
            throw new HttpRequestException("error invoking app channel: " + ex.Status.Detail, ex);
        }
    }

    public async Task<SinkReply> DeliverAsync(EventDelivery delivery, CancellationToken cancellationToken)
    {
        TopicEventRequest envelope;
        try
        {
            envelope = TopicEvent(delivery.CloudEvent, delivery.Topic, delivery.PubsubName, delivery.Path);
        }
        catch (FormatException ex)
        {
            return new SinkReply(DeliveryOutcome.Retry, null, "error returned from app while processing pub/sub event: " + ex.Message);
        }

        TopicEventResponse response;
        try
        {
            response = await CallAsync(
                headers =>
                {
                    AddMetadata(headers, delivery.Metadata);
                    if (delivery.Span is { } span)
                    {
                        headers.Add("traceparent", span.TraceParent);
                    }

                    return Call(OnTopicEventMethod, envelope, headers, cancellationToken);
                },
                cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            // daprd: Unimplemented is not retriable (the message is dropped).
            return new SinkReply(DeliveryOutcome.Drop, null, ex.Status.Detail);
        }
        catch (RpcException ex)
        {
            return new SinkReply(DeliveryOutcome.Retry, null, $"error returned from app while processing pub/sub event {envelope.Id}: {ex.Status.Detail}");
        }

        return response.Status switch
        {
            TopicEventResponse.Types.TopicEventResponseStatus.Success => new SinkReply(DeliveryOutcome.Success, null, string.Empty),
            TopicEventResponse.Types.TopicEventResponseStatus.Drop => new SinkReply(DeliveryOutcome.Drop, null, string.Empty),
            TopicEventResponse.Types.TopicEventResponseStatus.Retry => new SinkReply(DeliveryOutcome.Retry, null, $"RETRY status returned from app while processing pub/sub event {envelope.Id}"),
            _ => new SinkReply(DeliveryOutcome.Retry, null, $"unknown status returned from app while processing pub/sub event {envelope.Id}, status: {response.Status}"),
        };
    }

    public async Task<IReadOnlyDictionary<string, DeliveryOutcome>> DeliverBulkAsync(BulkEventDelivery delivery, CancellationToken cancellationToken)
    {
        var request = BulkRequest(delivery);
        TopicEventBulkResponse response;
        try
        {
            response = await CallAsync(
                headers =>
                {
                    AddMetadata(headers, delivery.Metadata);
                    return Call(OnBulkTopicEventMethod, request, headers, cancellationToken);
                },
                cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            try
            {
                response = await CallAsync(
                    headers =>
                    {
                        AddMetadata(headers, delivery.Metadata);
                        return Call(OnBulkTopicEventAlpha1Method, request, headers, cancellationToken);
                    },
                    cancellationToken);
            }
            catch (RpcException)
            {
                return new Dictionary<string, DeliveryOutcome>();
            }
        }
        catch (RpcException)
        {
            return new Dictionary<string, DeliveryOutcome>();
        }

        var outcomes = new Dictionary<string, DeliveryOutcome>(StringComparer.Ordinal);
        foreach (var status in response.Statuses)
        {
            outcomes[status.EntryId] = status.Status switch
            {
                TopicEventResponse.Types.TopicEventResponseStatus.Success => DeliveryOutcome.Success,
                TopicEventResponse.Types.TopicEventResponseStatus.Drop => DeliveryOutcome.Drop,
                _ => DeliveryOutcome.Retry,
            };
        }

        return outcomes;
    }

    public void Dispose()
    {
        _channel.Dispose();
        _concurrency?.Dispose();
    }

    /// <summary>daprd's <c>TopicEventRequest</c> for a CloudEvent: data decoded per content type, other attributes as extensions.</summary>
    public static TopicEventRequest TopicEvent(JsonElement cloudEvent, string topic, string pubsubName, string path)
    {
        string Text(string field) => cloudEvent.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

        var envelope = new TopicEventRequest
        {
            Id = Text("id"),
            Source = Text("source"),
            Type = Text("type"),
            SpecVersion = Text("specversion"),
            DataContentType = Text("datacontenttype"),
            Topic = topic,
            PubsubName = pubsubName,
            Path = path,
            Data = Data(cloudEvent, Text("datacontenttype")),
        };
        var extensions = new Struct();
        foreach (var property in cloudEvent.EnumerateObject().Where(p => !StandardCloudEventFields.Contains(p.Name)))
        {
            extensions.Fields[property.Name] = Value.Parser.ParseJson(property.Value.GetRawText());
        }

        envelope.Extensions = extensions;
        return envelope;
    }

    private static ByteString Data(JsonElement cloudEvent, string contentType)
    {
        if (cloudEvent.TryGetProperty("data_base64", out var base64) && base64.ValueKind != JsonValueKind.Null)
        {
            return base64.ValueKind == JsonValueKind.String
                ? ByteString.CopyFrom(Convert.FromBase64String(base64.GetString()!))
                : throw new FormatException("unexpected data in cloud event envelope: data_base64 is not a string");
        }

        if (!cloudEvent.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null)
        {
            return ByteString.Empty;
        }

        if (IsStringContentType(contentType))
        {
            return data.ValueKind == JsonValueKind.String
                ? ByteString.CopyFromUtf8(data.GetString()!)
                : throw new FormatException("unexpected data in cloud event envelope: a text content type with non-string data");
        }

        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase)
            ? ByteString.CopyFromUtf8(data.GetRawText())
            : ByteString.Empty;
    }

    private static bool IsStringContentType(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }

    private static TopicEventBulkRequest BulkRequest(BulkEventDelivery delivery)
    {
        var request = new TopicEventBulkRequest
        {
            Id = Guid.NewGuid().ToString(),
            Topic = delivery.Topic,
            PubsubName = delivery.PubsubName,
            Type = HttpEventSink.BulkEventType,
            Path = delivery.Path,
        };
        request.Metadata.Put(delivery.Metadata);
        foreach (var entry in delivery.Entries)
        {
            var item = new TopicEventBulkRequestEntry { EntryId = entry.EntryId, ContentType = entry.ContentType };
            item.Metadata.Put(entry.Metadata);
            if (entry.CloudEvent is { } cloudEvent)
            {
                var ce = TopicEvent(cloudEvent, delivery.Topic, delivery.PubsubName, delivery.Path);
                item.CloudEvent = new TopicEventCERequest
                {
                    Id = ce.Id,
                    Source = ce.Source,
                    Type = ce.Type,
                    SpecVersion = ce.SpecVersion,
                    DataContentType = ce.DataContentType,
                    Data = ce.Data,
                    Extensions = ce.Extensions,
                };
            }
            else
            {
                item.Bytes = ByteString.CopyFrom(entry.Event.Span);
            }

            request.Entries.Add(item);
        }

        return request;
    }

    private static void AddMetadata(Metadata headers, IReadOnlyDictionary<string, string> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            var name = key.ToLowerInvariant();
            if (name.Length > 0 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.') && !name.EndsWith("-bin", StringComparison.Ordinal) && !name.StartsWith("grpc-", StringComparison.Ordinal))
            {
                headers.Add(name, value);
            }
        }
    }

    // daprd's mapping of a gRPC status to HTTP (grpc-gateway's table).
    private static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => 200,
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.PermissionDenied => 403,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        StatusCode.Unauthenticated => 401,
        _ => 500,
    };

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, ProtobufMarshaller<TRequest>.Instance, ProtobufMarshaller<TResponse>.Instance);

    private Task<TResponse> Call<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, Metadata headers, CancellationToken cancellationToken)
        where TRequest : class
        where TResponse : class =>
        _invoker.AsyncUnaryCall(method, null, new CallOptions(headers, cancellationToken: cancellationToken), request).ResponseAsync;

    private async Task<T> CallAsync<T>(Func<Metadata, Task<T>> call, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (_appApiToken is not null)
        {
            headers.Add("dapr-api-token", _appApiToken);
        }

        if (_concurrency is not null)
        {
            await _concurrency.WaitAsync(cancellationToken);
        }

        try
        {
            return await call(headers);
        }
        finally
        {
            _concurrency?.Release();
        }
    }
}
