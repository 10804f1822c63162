using System.Diagnostics;

namespace BioDapr.Gateway.Telemetry;

/// <summary>
/// The gateway's own spans, between the request's span (ASP.NET Core's <c>POST /api/orders</c>) and the pathway's span to
/// orders, so a trace shows where the gateway's own time goes: <see cref="Checks"/> (credentials, quarantine, the client's
/// rate and scope, the body's declared length), <see cref="Body"/> (reading the body within its limit),
/// <see cref="FairShare"/> (waiting for one of the slots to orders, with the scheduler's state at entry and the outcome),
/// <see cref="Observe"/> (the anomaly detector scoring the finished request). The source is the cell's own
/// (<c>builder.Environment.ApplicationName</c>), which the cell's telemetry records whenever spans are exported.
/// </summary>
public static class GatewayTracing
{
    /// <summary>The gateway's activity source name (its assembly's, as the cell's telemetry registers it).</summary>
    public static readonly string SourceName = typeof(GatewayTracing).Assembly.GetName().Name!;

    /// <summary>Span name: admission's checks before the body is read.</summary>
    public const string Checks = "admission checks";

    /// <summary>Span name: the body read within the limit (the immune layer's slow-body watch).</summary>
    public const string Body = "admission body";

    /// <summary>Span name: waiting for a fair-share slot to orders.</summary>
    public const string FairShare = "admission fair share";

    /// <summary>Span name: the anomaly detector's scoring after the answer.</summary>
    public const string Observe = "immune observe";

    /// <summary>Tag: how the fair-share request ended (Admitted, QueueFull, OverShare, Busy).</summary>
    public const string OutcomeTag = "biodapr.fair_share.outcome";

    /// <summary>Tag: how long the request waited for its slot, in milliseconds (the scheduler's clock).</summary>
    public const string WaitedTag = "biodapr.fair_share.waited_ms";

    /// <summary>Tag: the slots in force when the request asked.</summary>
    public const string CapacityTag = "biodapr.fair_share.capacity";

    /// <summary>Tag: the requests holding slots when the request asked (all clients).</summary>
    public const string InFlightTag = "biodapr.fair_share.in_flight";

    /// <summary>Tag: the requests waiting when the request asked (all clients).</summary>
    public const string QueuedTag = "biodapr.fair_share.queued";

    internal static readonly ActivitySource Source = new(SourceName);
}
