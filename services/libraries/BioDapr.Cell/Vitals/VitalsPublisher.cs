using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BioDapr.Cell.Ingress;
using BioDapr.Contracts.Events;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cell.Vitals;

/// <summary>Where and how often vital signs are published (configuration section <c>Cell:Vitals</c>).</summary>
public sealed class VitalsOptions
{
    /// <summary>The window length (default 1 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The pub/sub component the windows go to (empty: do not publish, metrics only).</summary>
    public string PubSub { get; set; } = BioDapr.Contracts.Topics.VitalsPubSub;

    /// <summary>The topic (the cortex subscribes to it).</summary>
    public string Topic { get; set; } = BioDapr.Contracts.Topics.Vitals;
}

/// <summary>
/// Closes every recorder's window on a fixed period and publishes the windows as one <c>vitals</c>
/// event (<c>biodapr.vitals.v1</c>, data: the list of windows) and as OpenTelemetry metrics on the
/// <c>BioDapr.Vitals</c> meter (exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).
/// A failed publish is logged and the next window is published as usual.
/// </summary>
internal sealed partial class VitalsPublisher(
    CellVitals vitals,
    AdmissionGate gate,
    DaprClient sidecar,
    IOptions<VitalsOptions> options,
    TimeProvider time,
    ILogger<VitalsPublisher> logger) : BackgroundService
{
    public const string EventType = VitalsReported.Type;
    public const string MeterName = Telemetry.CellTelemetry.VitalsMeterName;
    private static readonly Meter Meter = new(MeterName);
    private static readonly Dictionary<string, string> CloudEventMetadata = new(StringComparer.Ordinal) { ["cloudevent.type"] = EventType };
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("biodapr.calls", description: "Calls by cell, pathway or endpoint, and outcome");
    private static readonly Histogram<double> LatencyP99 = Meter.CreateHistogram<double>("biodapr.latency.p99", "ms", "p99 latency of each window");
    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("biodapr.retries", description: "Retries and hedges");

    /// <summary>The last windows closed (for tests and diagnostics).</summary>
    public IReadOnlyList<VitalsWindow> Last { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.Window, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var windows = Close();
                    if (windows.Count > 0 && settings.PubSub.Length > 0)
                    {
                        await PublishAsync(settings, windows, stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Vital signs must never take the cell down: log and carry on with the next window.
                    Log.PublishFailed(logger, settings.Topic, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Closes every window now and records the metrics.</summary>
    public IReadOnlyList<VitalsWindow> Close()
    {
        var end = time.GetUtcNow();
        var windows = vitals.Recorders
            .Select(r => r.Close(end, vitals.LimitOf(r), 0))
            // Every window with activity: one whose only news is a call that started earlier and ended now is kept,
            // or a failure that outlived its window would never be reported.
            .Where(w => w.HasActivity)
            .ToList();
        foreach (var window in windows)
        {
            var tags = new TagList { { "cell", window.Cell }, { "name", window.Name }, { "kind", window.Kind.ToString() } };
            Record(window.Successes, "success", tags);
            Record(window.ClientErrors, "client_error", tags);
            Record(window.ServerErrors, "server_error", tags);
            Record(window.Timeouts, "timeout", tags);
            Record(window.TransportErrors, "transport_error", tags);
            Record(window.BreakerOpen, "breaker_open", tags);
            Record(window.Shed, "shed", tags);
            Retries.Add(window.Retries + window.Hedges, tags);
            if (window.Completed > 0)
            {
                LatencyP99.Record(window.LatencyP99Ms, tags);
            }
        }

        Last = windows;
        return windows;
    }

    private static void Record(long count, string outcome, TagList tags)
    {
        if (count > 0)
        {
            var withOutcome = tags;
            withOutcome.Add("outcome", outcome);
            Calls.Add(count, withOutcome);
        }
    }

    private async Task PublishAsync(VitalsOptions settings, IReadOnlyList<VitalsWindow> windows, CancellationToken cancellationToken)
    {
        try
        {
            await sidecar.PublishEventAsync(settings.PubSub, settings.Topic, new VitalsReported(vitals.Cell, gate.InFlight, windows), CloudEventMetadata, cancellationToken);
        }
        catch (Exception ex) when (ex is DaprException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.PublishFailed(logger, settings.Topic, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Vital signs were not published to {Topic}: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string topic, string reason);
    }
}
