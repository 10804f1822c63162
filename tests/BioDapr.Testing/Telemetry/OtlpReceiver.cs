using BioDapr.Launcher.Telemetry;
using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit;

namespace BioDapr.Testing.Telemetry;

/// <summary>
/// An OTLP/HTTP receiver on a free loopback port (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>): it keeps every
/// span exported to <c>/v1/traces</c> and accepts metrics and logs without reading them. Point an app at it with
/// <see cref="Environment"/>. A body that is not an OTLP trace export is answered 400 and counted in
/// <see cref="Rejected"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncLifetime
{
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private WebApplication? _app;
    private int _rejected;

    /// <summary>The port the receiver listens on.</summary>
    public int Port { get; } = FreePort.Next();

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    /// <summary>Trace exports that could not be parsed.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>
    /// The standard OpenTelemetry settings that send an app's telemetry here, with short batch delays so spans arrive
    /// within a second.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{Port}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
    };

    /// <summary>The spans of one trace.</summary>
    public IReadOnlyList<ReceivedSpan> Trace(string traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        _app = builder.Build();
        _app.MapPost("/v1/traces", ReceiveTracesAsync);
        _app.MapPost("/v1/metrics", () => Accepted());
        _app.MapPost("/v1/logs", () => Accepted());
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task<IResult> ReceiveTracesAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        try
        {
            foreach (var span in OtlpTraceReader.Read(body.ToArray()))
            {
                _spans.Enqueue(span);
            }
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
        {
            Interlocked.Increment(ref _rejected);
            return Results.BadRequest("not an OTLP ExportTraceServiceRequest: " + ex.Message);
        }

        return Accepted();
    }

    // An empty Export*ServiceResponse: every item accepted.
    private static IResult Accepted() => Results.Bytes([], "application/x-protobuf");
}
