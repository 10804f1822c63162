namespace BioDapr.Sidecar.Resources;

/// <summary><c>spec.tracing.otel</c>: where spans are exported over OTLP.</summary>
/// <param name="EndpointAddress">host:port (no scheme), or null when not configured.</param>
/// <param name="Protocol"><c>grpc</c> or <c>http</c>, or null.</param>
/// <param name="IsSecure">Use TLS; true unless set to false.</param>
internal sealed record OtelSettings(string? EndpointAddress, string? Protocol, bool IsSecure);
