using System.Net.Http.Headers;
using System.Threading.Channels;
using BioDapr.Sidecar.Resources;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace BioDapr.Sidecar.Tracing;

/// <summary>The kind of a finished span, with OTLP's numbers.</summary>
internal enum SpanKind
{
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>
/// Sends the sidecar's finished spans to the OTLP collector of the Configuration's <c>spec.tracing.otel</c>, as daprd
/// does: <c>protocol: http</c> posts protobuf to <c>&lt;endpointAddress&gt;/v1/traces</c>, <c>grpc</c> calls the
/// collector's <c>TraceService/Export</c>; <c>isSecure: false</c> means plain HTTP. Spans are queued (at most
/// <see cref="QueueCapacity"/>; beyond that new ones are dropped) and sent in batches from a background loop, with the
/// app id as <c>service.name</c>. A collector that is down costs little: after a failed export, spans are dropped unencoded
/// for <see cref="Backoff"/>, and the failure is logged at most once a minute.
/// </summary>
internal sealed partial class OtlpSpanExporter : IAsyncDisposable
{
    /// <summary>Spans waiting to be sent, at most.</summary>
    public const int QueueCapacity = 4096;

    /// <summary>Spans per export request, at most.</summary>
    public const int BatchSize = 512;

    /// <summary>How long spans are dropped after a failed export.</summary>
    public static readonly TimeSpan Backoff = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(500);
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(bytes => bytes, bytes => bytes);
    private static readonly Method<byte[], byte[]> Export = new(MethodType.Unary, "opentelemetry.proto.collector.trace.v1.TraceService", "Export", Bytes, Bytes);

    private readonly Channel<FinishedSpan> _queue = Channel.CreateBounded<FinishedSpan>(new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly byte[] _resource;
    private readonly Uri _endpoint;
    private readonly bool _grpc;
    private readonly HttpClient? _http;
    private readonly GrpcChannel? _channel;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Task _loop;
    private long _droppedUntil;
    private long _lastWarning = long.MinValue;

    public OtlpSpanExporter(OtelSettings settings, string appId, string? replica, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = settings.EndpointAddress ?? throw new ArgumentException("no otel endpointAddress", nameof(settings));
        _endpoint = new Uri(address.Contains("://", StringComparison.Ordinal) ? address : (settings.IsSecure ? "https://" : "http://") + address);
        _grpc = settings.Protocol != "http";
        _logger = logger;
        _time = time;
        _resource = Resource(appId, replica);
        if (_grpc)
        {
            _channel = GrpcChannel.ForAddress(_endpoint);
        }
        else
        {
            _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Where spans go (for the startup log).</summary>
    public string Target => _grpc ? _endpoint + " (OTLP/gRPC)" : new Uri(_endpoint, "/v1/traces") + " (OTLP/HTTP)";

    /// <summary>Queues a finished, sampled span; a span that is not sampled, or that finds the queue full, is dropped.</summary>
    public void Record(in TraceContext span, string name, SpanKind kind, DateTimeOffset start, DateTimeOffset end, bool failed)
    {
        if (!span.Sampled || _time.GetTimestamp() < Volatile.Read(ref _droppedUntil))
        {
            return;
        }

        _queue.Writer.TryWrite(new FinishedSpan(span, name, kind, start, end, failed));
    }

    /// <summary>Sends what is queued (within 2 s), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(2))) != _loop)
        {
            await _stopping.CancelAsync();
        }

        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped while sending.
        }

        _http?.Dispose();
        _channel?.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<FinishedSpan>(BatchSize);
        while (await _queue.Reader.WaitToReadAsync(cancellationToken))
        {
            // A moment for the rest of a request's spans, so one request is one export.
            if (_queue.Reader.Count < BatchSize && !_queue.Reader.Completion.IsCompleted)
            {
                try
                {
                    await Task.Delay(BatchDelay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var span))
            {
                batch.Add(span);
            }

            if (_time.GetTimestamp() >= Volatile.Read(ref _droppedUntil))
            {
                await SendAsync(Request(batch), batch.Count, cancellationToken);
            }

            batch.Clear();
        }
    }

    private async Task SendAsync(byte[] request, int spans, CancellationToken cancellationToken)
    {
        try
        {
            if (_channel is not null)
            {
                await _channel.CreateCallInvoker().AsyncUnaryCall(Export, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken), request);
            }
            else
            {
                using var content = new ByteArrayContent(request);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                using var response = await _http!.PostAsync(new Uri(_endpoint, "/v1/traces"), content, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"the collector answered {(int)response.StatusCode}");
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or RpcException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetTimestamp();
            Volatile.Write(ref _droppedUntil, now + (long)(Backoff.TotalSeconds * _time.TimestampFrequency));
            if (_lastWarning == long.MinValue || _time.GetElapsedTime(_lastWarning, now) >= TimeSpan.FromMinutes(1))
            {
                _lastWarning = now;
                Log.ExportFailed(_logger, spans, Target, ex.Message);
            }
        }
    }

    // ExportTraceServiceRequest (opentelemetry-proto collector/trace/v1): resource_spans (1) → resource (1) and
    // scope_spans (2) → scope (1: name 1) and spans (2).
    private byte[] Request(List<FinishedSpan> spans)
    {
        using var scopeSpans = new MessageWriter();
        scopeSpans.Message(1, scope => scope.String(1, "BioDapr.Sidecar"));
        foreach (var span in spans)
        {
            scopeSpans.Message(2, message => Span(message, span));
        }

        using var resourceSpans = new MessageWriter();
        resourceSpans.Bytes(1, _resource);
        resourceSpans.Bytes(2, scopeSpans.ToArray());
        using var request = new MessageWriter();
        request.Bytes(1, resourceSpans.ToArray());
        return request.ToArray();
    }

    // Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6, start 7 and end 8 (fixed64 Unix
    // nanoseconds), status 15 (code 3: 1 ok, 2 error).
    private static void Span(MessageWriter message, FinishedSpan span)
    {
        message.Bytes(1, Convert.FromHexString(span.Context.TraceId));
        message.Bytes(2, Convert.FromHexString(span.Context.SpanId));
        if (span.Context.TraceState.Length > 0)
        {
            message.String(3, span.Context.TraceState);
        }

        if (span.Context.ParentSpanId is { Length: 16 } parent)
        {
            message.Bytes(4, Convert.FromHexString(parent));
        }

        message.String(5, span.Name);
        message.Enum(6, (int)span.Kind);
        message.Fixed64(7, UnixNanoseconds(span.Start));
        message.Fixed64(8, UnixNanoseconds(span.End < span.Start ? span.Start : span.End));
        message.Message(15, status => status.Enum(3, span.Failed ? 2 : 0));
    }

    // Resource: attributes (1) as KeyValue (key 1, value 2: AnyValue with string_value 1).
    private static byte[] Resource(string appId, string? replica)
    {
        using var resource = new MessageWriter();
        Attribute(resource, "service.name", appId);
        // daprd's service name is the app id, as the cell's: the instance id tells the dashboard which is the sidecar.
        Attribute(resource, "service.instance.id", "sidecar" + (string.IsNullOrEmpty(replica) ? string.Empty : "-" + replica));
        Attribute(resource, "telemetry.sdk.name", "biodapr-sidecar");
        return resource.ToArray();
    }

    private static void Attribute(MessageWriter message, string key, string value) =>
        message.Message(1, pair =>
        {
            pair.String(1, key);
            pair.Message(2, any => any.String(1, value));
        });

    private static ulong UnixNanoseconds(DateTimeOffset time) => (ulong)(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private readonly record struct FinishedSpan(TraceContext Context, string Name, SpanKind Kind, DateTimeOffset Start, DateTimeOffset End, bool Failed);

    /// <summary>A protobuf message written field by field (nested messages are written first, then copied in).</summary>
    private sealed class MessageWriter : IDisposable
    {
        private readonly MemoryStream _buffer = new();
        private readonly CodedOutputStream _output;

        public MessageWriter() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

        public void String(int field, string value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteString(value);
        }

        public void Bytes(int field, byte[] value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteBytes(ByteString.CopyFrom(value));
        }

        public void Enum(int field, int value)
        {
            if (value != 0)
            {
                _output.WriteTag(field, WireFormat.WireType.Varint);
                _output.WriteEnum(value);
            }
        }

        public void Fixed64(int field, ulong value)
        {
            _output.WriteTag(field, WireFormat.WireType.Fixed64);
            _output.WriteFixed64(value);
        }

        public void Message(int field, Action<MessageWriter> write)
        {
            using var inner = new MessageWriter();
            write(inner);
            Bytes(field, inner.ToArray());
        }

        public byte[] ToArray()
        {
            _output.Flush();
            return _buffer.ToArray();
        }

        public void Dispose()
        {
            _output.Dispose();
            _buffer.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not export {Spans} spans to {Target}: {Reason}; spans are dropped for a few seconds, and this is logged at most once a minute")]
        public static partial void ExportFailed(ILogger logger, int spans, string target, string reason);
    }
}
