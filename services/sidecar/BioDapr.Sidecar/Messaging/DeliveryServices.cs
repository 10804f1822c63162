using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Tracing;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// What delivering messages to a subscriber needs: dead letters are published, inbound policies, tracing, time, the
/// sidecar's stop signal (<paramref name="Stopping"/>: subscriptions close, no new delivery starts) and the end of its
/// graceful shutdown (<paramref name="Cut"/>: deliveries still running are cancelled and their messages stay pending).
/// As daprd's subscription Stop, a delivery in flight when the sidecar stops may finish (and is acknowledged) until then.
/// </summary>
internal sealed record DeliveryServices(Publisher Publisher, ResiliencyProvider Resiliency, TracingPolicy Tracing, TimeProvider Time, CancellationToken Stopping, CancellationToken Cut);
