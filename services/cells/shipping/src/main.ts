// First: the tracing instrumentations must be in place before express and @dapr/dapr load.
import { telemetry } from "./hosting/telemetry.js";
import express from "express";
import { CommunicationProtocolEnum, DaprClient, DaprPubSubStatusEnum, DaprServer, LogLevel } from "@dapr/dapr";
import { ShipmentDispatcher } from "./dispatch/shipmentDispatcher.js";
import { OrderConfirmedType } from "./events/contracts.js";
import { cloudEventContext, cloudEventOf } from "./hosting/cloudEventContext.js";
import { consoleLogger } from "./hosting/log.js";
import { readSettings, SettingsError } from "./hosting/settings.js";
import { HormoneSource, storeMetadata, type ConfigurationApi } from "./hormones/hormoneSource.js";
import { cellIngress } from "./ingress/cellIngress.js";
import { seededRandom } from "./ingress/random.js";
import { CellVitals } from "./vitals/cellVitals.js";
import { errorText, VitalsPublisher } from "./vitals/vitalsPublisher.js";

// The shipping cell: OrderConfirmed (topic orders) → a carrier and a dispatch time → ShipmentDispatched (topic
// shipments). Dapr plumbing through the official JS SDK (@dapr/dapr): DaprServer for the subscription (HTTP app
// channel); its DaprClient over HTTP for state and publishing, so the order's trace goes on through them (the SDK's
// HTTP client runs on node:http, which OpenTelemetry's HTTP instrumentation traces and gives traceparent; its gRPC
// transport, ConnectRPC over node:http2, has no OpenTelemetry instrumentation); a second DaprClient over gRPC for the
// configuration API (hormones: the SDK subscribes only over gRPC) and the vitals.

const logger = consoleLogger("shipping");
let settings;
try {
  settings = readSettings(process.env);
} catch (e) {
  if (e instanceof SettingsError) {
    logger.log("error", `shipping refuses to start: ${e.message}`);
    process.exit(2);
  }
  throw e;
}

const healthPath = "/healthz";
const app = express();
let hormones: HormoneSource | undefined;
let ready = false;
const current = () => hormones!.current;
const vitals = new CellVitals(settings.appId, () => new Date(), () => Math.max(1, current().admission.maxConcurrency - current().pathogens.slotReduction));

// Before the SDK's body parsers: the sidecar token and admission are checked before a body is read.
app.use(cellIngress({ appApiToken: settings.appApiToken, healthPath, hormones: current, vitals, random: seededRandom(Number(process.env.SHIPPING_SEED ?? 17)), logger }));
app.get(healthPath, (_req, res) => {
  res.status(ready ? 200 : 503).json({ status: ready ? "Healthy" : "Unhealthy", description: ready ? "warmed up" : "warming up (hormones not read yet)" });
});

const server = new DaprServer({
  // Only names the address: the SDK's HTTP server listens on every interface (callbacks still need APP_API_TOKEN).
  serverHost: "127.0.0.1",
  serverPort: String(settings.appPort),
  communicationProtocol: CommunicationProtocolEnum.HTTP,
  serverHttp: app,
  maxBodySizeMb: 1,
  logger: { level: LogLevel.Warn },
  clientOptions: {
    daprHost: settings.daprHost,
    daprPort: String(settings.daprHttpPort),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    logger: { level: LogLevel.Warn },
  },
});
app.use(cloudEventContext());
const grpcClient = new DaprClient({
  daprHost: settings.daprHost,
  daprPort: String(settings.daprGrpcPort),
  communicationProtocol: CommunicationProtocolEnum.GRPC,
  logger: { level: LogLevel.Warn },
});

hormones = new HormoneSource(settings.appId, settings.hormoneStore, grpcClient.configuration as unknown as ConfigurationApi, logger, 10_000, storeMetadata(process.env, settings.hormoneStore));
const dispatcher = new ShipmentDispatcher(server.client as never, current, () => new Date(), logger, settings);
const statusOf = { SUCCESS: DaprPubSubStatusEnum.SUCCESS, RETRY: DaprPubSubStatusEnum.RETRY, DROP: DaprPubSubStatusEnum.DROP };

await server.pubsub.subscribeWithOptions(settings.pubsub, "orders", {
  // Only OrderConfirmed comes to the handler; the other order events are acknowledged by the default route.
  // Route names without '/': the SDK (3.18) strips one '/' when it lists a route in /dapr/subscribe and another
  // when it mounts it, so "/events/x" would be announced as ".../events/x" but served at ".../eventsx" (404).
  route: { rules: [{ match: `event.type == "${OrderConfirmedType}"`, path: "order-confirmed" }], default: "orders-other" },
  callback: async (data: unknown, headers: unknown) => {
    const event = cloudEventOf(headers);
    try {
      return statusOf[await dispatcher.onOrderConfirmed({ ...event, data })];
    } catch (e) {
      logger.log("warn", "Handling an OrderConfirmed failed; the sidecar redelivers it", { eventId: event.id, error: errorText(e) });
      return DaprPubSubStatusEnum.RETRY;
    }
  },
});

// Vitals every window are not part of an order: published over gRPC, they add no client spans of their own.
const publisher = new VitalsPublisher(vitals, grpcClient.pubsub, settings.vitalsPubsub, settings.vitalsWindowMs, logger);
await server.start();
await grpcClient.start();
await hormones.start();
publisher.start();
ready = true;
logger.log("info", "shipping is ready", { appPort: settings.appPort });

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    ready = false;
    publisher.stop();
    void Promise.allSettled([hormones!.stop(), server.stop(), grpcClient.stop()])
      // The last spans (the shutdown's own calls included) are flushed before the process exits.
      .then(() => telemetry?.shutdown())
      .finally(() => process.exit(0));
  });
}
