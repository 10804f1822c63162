using System.Collections.Concurrent;
using System.Net;
using BioDapr.Sidecar.MultiAppRun;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BioDapr.Launcher.Telemetry;

/// <summary>
/// An OTLP/HTTP receiver on a free loopback port for a benchmark that wants the organism's spans (cells and sidecars) of
/// a few chosen stretches of time only: a span is kept when it starts inside a window opened with <see cref="Keep"/>;
/// every other span, and metrics and logs, are accepted and dropped, so a long run does not pile up millions of spans.
/// </summary>
public sealed class SpanCollector : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly List<(ulong From, ulong To)> _windows = [];
    private readonly Lock _gate = new();
    private WebApplication? _app;
    private long _received;
    private int _rejected;

    /// <summary>The port the collector listens on.</summary>
    public int Port { get; } = LoopbackPorts.Next();

    /// <summary>The OTLP endpoint for a cell (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Spans received in all (kept or not).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Trace exports that could not be parsed.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>
    /// The standard OpenTelemetry settings that send a cell's spans here, with a short batch delay (spans arrive within a
    /// second) and metrics exported once a minute only.
    /// </summary>
    public IReadOnlyDictionary<string, string> CellEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BSP_MAX_QUEUE_SIZE"] = "65536",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
    };

    /// <summary>Starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, Port);
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        _app = builder.Build();
        _app.MapPost("/v1/traces", ReceiveAsync);
        _app.MapPost("/v1/metrics", () => Accepted());
        _app.MapPost("/v1/logs", () => Accepted());
        await _app.StartAsync(cancellationToken);
    }

    /// <summary>Keeps the spans that start between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public void Keep(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            _windows.Add((UnixNano(from), UnixNano(to)));
        }
    }

    /// <summary>Forgets the spans kept so far and every window (the next run of a benchmark starts afresh).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _windows.Clear();
            _spans.Clear();
        }
    }

    /// <summary>The spans kept so far.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    /// <summary>Nanoseconds since the Unix epoch, as OTLP writes span times.</summary>
    public static ulong UnixNano(DateTimeOffset time) => (ulong)(time.ToUnixTimeMilliseconds() * 1_000_000L) + (ulong)(time.Ticks % TimeSpan.TicksPerMillisecond * 100);

    /// <summary>Stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        IReadOnlyList<ReceivedSpan> spans;
        try
        {
            spans = OtlpTraceReader.Read(body.ToArray());
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
        {
            Interlocked.Increment(ref _rejected);
            return Results.BadRequest("not an OTLP ExportTraceServiceRequest: " + ex.Message);
        }

        Interlocked.Add(ref _received, spans.Count);
        (ulong From, ulong To)[] windows;
        lock (_gate)
        {
            windows = [.. _windows];
        }

        foreach (var span in spans)
        {
            if (windows.Any(w => span.StartUnixNano >= w.From && span.StartUnixNano < w.To))
            {
                _spans.Enqueue(span);
            }
        }

        return Accepted();
    }

    // An empty Export*ServiceResponse: every item accepted.
    private static IResult Accepted() => Results.Bytes([], "application/x-protobuf");
}
