using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Tracing;

namespace BioDapr.Sidecar.Messaging;

/// <summary>What delivering messages to a subscriber needs: dead letters are published, inbound policies, tracing, time, and the sidecar's stop signal.</summary>
internal sealed record DeliveryServices(Publisher Publisher, ResiliencyProvider Resiliency, TracingPolicy Tracing, TimeProvider Time, CancellationToken Stopping);
