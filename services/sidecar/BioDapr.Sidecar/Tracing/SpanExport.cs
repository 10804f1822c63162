using System.Diagnostics;
using BioDapr.Sidecar.Resources;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BioDapr.Sidecar.Tracing;

/// <summary>
/// The sidecar's recorded spans, sent with OpenTelemetry's SDK to the collector of the Configuration's
/// <c>spec.tracing.otel</c>, as daprd does: <c>protocol: http</c> posts OTLP protobuf to
/// <c>&lt;endpointAddress&gt;/v1/traces</c>, <c>grpc</c> calls the collector's <c>TraceService/Export</c>;
/// <c>isSecure: false</c> means plain HTTP. Spans are <see cref="Activity"/> objects of this sidecar's own
/// <see cref="ActivitySource"/>, batched by the SDK's <see cref="BatchActivityExportProcessor"/> (a bounded queue; when
/// it is full new spans are dropped) and exported by its <see cref="OtlpTraceExporter"/>, with the app id as
/// <c>service.name</c>.
/// </summary>
/// <remarks>
/// The sidecar listens to its own source itself (an <see cref="ActivityListener"/> that matches this instance only)
/// instead of the <see cref="TracerProvider"/>'s listener by source name: several sidecars can run in one process (the
/// integration tests host them so), and a listener by name would give each sidecar's spans to every sidecar's provider
/// (wrong <c>service.name</c>) and merge their sampling decisions. The provider still owns the processor and gives the
/// exporter its resource. The sampling decision is the sidecar's (<see cref="TracingPolicy"/>): an activity is only
/// started for a span that is recorded.
/// </remarks>
internal sealed class SpanExport : IDisposable
{
    /// <summary>The instrumentation scope of the sidecar's spans.</summary>
    public const string ScopeName = "BioDapr.Sidecar";

    /// <summary>Spans waiting to be sent, at most.</summary>
    public const int QueueCapacity = 4096;

    /// <summary>Spans per export request, at most.</summary>
    public const int BatchSize = 512;

    /// <summary>How long the batch waits for more spans (daprd's SDK waits 5 s; short here, so a trace shows up quickly).</summary>
    public const int BatchDelayMilliseconds = 500;

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly ActivitySource _source = new(ScopeName, typeof(SpanExport).Assembly.GetName().Version?.ToString());
    private readonly ActivityListener _listener;
    private readonly BatchActivityExportProcessor _processor;
    private readonly TracerProvider _provider;

    public SpanExport(OtelSettings settings, string appId, string? replica)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = settings.EndpointAddress ?? throw new ArgumentException("no otel endpointAddress", nameof(settings));
        var grpc = settings.Protocol != "http";
        var root = new Uri(address.Contains("://", StringComparison.Ordinal) ? address : (settings.IsSecure ? "https://" : "http://") + address);
        var options = new OtlpExporterOptions
        {
            Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf,
            // Set in code, the endpoint is used as it is: the HTTP protocol needs the signal's path.
            Endpoint = grpc ? root : new Uri(root, "/v1/traces"),
        };
        Target = options.Endpoint + (grpc ? " (OTLP/gRPC)" : " (OTLP/HTTP)");
        _processor = new BatchActivityExportProcessor(
            new OtlpTraceExporter(options),
            maxQueueSize: QueueCapacity,
            scheduledDelayMilliseconds: BatchDelayMilliseconds,
            maxExportBatchSize: BatchSize);

        // daprd's service name is the app id, as the cell's: the instance id tells the dashboard which is the sidecar.
        _provider = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(resource => resource.Clear().AddService(
                appId,
                serviceInstanceId: "sidecar" + (string.IsNullOrEmpty(replica) ? string.Empty : "-" + replica),
                autoGenerateServiceInstanceId: false))
            .AddProcessor(_processor)
            .Build();

        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _processor.OnEnd,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Where spans go (for the startup log).</summary>
    public string Target { get; }

    /// <summary>
    /// Starts the recorded activity of a span, a child of <paramref name="parent"/> (a new root when it is default),
    /// without making it <see cref="Activity.Current"/>: the sidecar carries its spans itself, and its outgoing clients
    /// must not pick them up.
    /// </summary>
    public Activity? Start(ActivityKind kind, in ActivityContext parent, DateTimeOffset start)
    {
        var current = Activity.Current;
        var activity = _source.StartActivity("span", kind, parent, startTime: start);
        Activity.Current = current;
        return activity;
    }

    /// <summary>Sends what is queued (within 2 s), then stops.</summary>
    public void Dispose()
    {
        _listener.Dispose();
        _provider.Shutdown((int)ShutdownTimeout.TotalMilliseconds);
        _provider.Dispose();
        _source.Dispose();
    }
}
