// The cell's traces (vitals = telemetry), as the .NET cells export theirs: OpenTelemetry's Node SDK with the HTTP
// instrumentation. The sidecar's deliveries arrive over HTTP with traceparent: the cell's server span continues the
// order's trace. The SDK's DaprClient calls the sidecar over HTTP for state and publishing (main.ts): each call is a
// client span whose traceparent the sidecar continues, so ShipmentDispatched stays in the order's trace. (No gRPC
// instrumentation: @dapr/dapr 3.18 talks gRPC through ConnectRPC over node:http2, which neither OpenTelemetry's gRPC
// instrumentation, made for @grpc/grpc-js, nor its HTTP one sees.) Spans go over OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT
// (+ /v1/traces; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is), which `./biodapr up --telemetry` sets; nothing is
// exported when neither is set.
//
// This module must run before express and @dapr/dapr are loaded (the instrumentation patches node:http when it is
// required): main.ts imports it first, and `node --import ./dist/src/hosting/telemetry.js`
// does the same for any other entry point.
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { NodeSDK } from "@opentelemetry/sdk-node";

/** The OTLP endpoint the environment names, or undefined when the cell exports nothing. */
export function otlpEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return endpoint ? endpoint : undefined;
}

/** Starts tracing when an endpoint is set; the returned SDK flushes on shutdown(). */
export function startTelemetry(env: NodeJS.ProcessEnv, healthPath = "/healthz"): NodeSDK | undefined {
  if (otlpEndpoint(env) === undefined) {
    return undefined;
  }
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || env.APP_ID || "shipping",
    // The exporter reads the endpoint (and OTEL_EXPORTER_OTLP_HEADERS, timeouts) from the environment.
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      // Health probes every second would bury the deliveries.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => request.url === healthPath,
        // Calls to the sidecar outside a delivery (the SDK's start-up health checks) start no traces of their own.
        requireParentforOutgoingSpans: true,
      }),
    ],
  });
  sdk.start();
  return sdk;
}

/** The cell's telemetry, started when this module is first imported. */
export const telemetry = startTelemetry(process.env);
