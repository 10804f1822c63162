import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { otlpEndpoint, startTelemetry } from "../src/hosting/telemetry.js";

// The cell's tracing against a real OTLP/HTTP receiver on loopback: a process started as the cell starts (the telemetry
// module loaded before express and @dapr/dapr) receives one delivery with the sidecar's traceparent, publishes through
// the SDK's DaprClient over HTTP (to the same loopback server, standing in for the sidecar's HTTP API), and exports its
// server span and the publish's client span, whose traceparent the sidecar receives.

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

const received: ReceivedSpan[] = [];
const sidecarCalls: { method: string; url: string; traceparent: string }[] = [];
let receiver: Server;
let receiverPort = 0;
let cell: ChildProcess | undefined;

before(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces" && request.headers["content-type"] === "application/x-protobuf") {
        received.push(...readExport(Buffer.concat(chunks)));
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      } else if (request.url?.startsWith("/v1.0/")) {
        // The sidecar's HTTP API as far as the SDK's client needs it: health, metadata, publish.
        sidecarCalls.push({ method: request.method ?? "", url: request.url, traceparent: String(request.headers.traceparent ?? "") });
        if (request.url.startsWith("/v1.0/metadata")) {
          // The SDK's start() waits for the sidecar's metadata.
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "shipping" }));
        } else {
          response.writeHead(204).end();
        }
      } else {
        response.writeHead(415).end();
      }
    });
  });
  receiver.listen(0, "127.0.0.1");
  await new Promise((resolve) => receiver.once("listening", resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
});

after(async () => {
  cell?.kill("SIGKILL");
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

test("without OTEL_EXPORTER_OTLP_ENDPOINT the cell exports nothing", () => {
  assert.equal(otlpEndpoint({}), undefined);
  assert.equal(startTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }), undefined);
  assert.equal(otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }), "http://127.0.0.1:4318");
});

test("a delivery with the sidecar's traceparent is a server span of the order's trace, exported over OTLP", async () => {
  const packageDirectory = fileURLToPath(new URL("../../", import.meta.url));
  const telemetryModule = new URL("../src/hosting/telemetry.js", import.meta.url).href;
  // The cell's shape: express serving a subscription route on loopback; the health probe is not traced.
  const app = `
    import express from "express";
    import { CommunicationProtocolEnum, DaprClient, LogLevel } from "@dapr/dapr";
    const client = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_HTTP_PORT, communicationProtocol: CommunicationProtocolEnum.HTTP, logger: { level: LogLevel.Error } });
    const app = express();
    app.use(express.json({ type: ["application/json", "application/cloudevents+json"] }));
    app.get("/healthz", (_req, res) => void res.send("ok"));
    app.post("/order-confirmed", async (_req, res) => {
      const published = await client.pubsub.publish("pubsub", "shipments", { orderId: "o-1" });
      res.json({ status: published.error ? "RETRY" : "SUCCESS" });
    });
    // As the cell: the client is started (its health checks done) before the first delivery.
    await client.start();
    const server = app.listen(0, "127.0.0.1", () => console.log("port " + server.address().port));
  `;
  cell = spawn(process.execPath, ["--import", telemetryModule, "--input-type=module", "-e", app], {
    cwd: packageDirectory,
    env: { ...process.env, APP_ID: "shipping", DAPR_HTTP_PORT: String(receiverPort), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`, OTEL_BSP_SCHEDULE_DELAY: "100" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    cell!.stdout!.on("data", (chunk: Buffer) => {
      const match = /port (\d+)/.exec(chunk.toString());
      if (match) {
        resolve(Number(match[1]));
      }
    });
    cell!.once("exit", (code) => reject(new Error(`the cell process exited (${code}) before listening`)));
  });

  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const sidecarSpanId = "b7ad6b7169203331";
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  const delivery = await fetch(`http://127.0.0.1:${port}/order-confirmed`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json", traceparent: `00-${traceId}-${sidecarSpanId}-01` },
    body: JSON.stringify({ id: "e1", type: "biodapr.orders.confirmed.v1", traceparent: `00-${traceId}-${sidecarSpanId}-01`, data: {} }),
  });
  assert.equal(delivery.status, 200);

  assert.deepEqual(await delivery.json(), { status: "SUCCESS" });

  // The server span ends after the publish's client span: both arrive, in one batch or two.
  const deadline = Date.now() + 20_000;
  const ofTrace = () => received.filter((s) => s.traceId === traceId);
  while (!(ofTrace().some((s) => s.kind === 2) && ofTrace().some((s) => s.kind === 3)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const spans = ofTrace();
  assert.equal(spans.length, 2, `the delivery's server span and the publish's client span arrive (received: ${JSON.stringify(received)})`);
  const server = spans.find((s) => s.kind === 2)!;
  assert.equal(server.parentSpanId, sidecarSpanId, "the server span (SPAN_KIND_SERVER) is a child of the sidecar's delivery span");
  assert.equal(server.service, "shipping");
  assert.match(server.name, /^POST/);
  const publish = spans.find((s) => s.kind === 3)!;
  assert.equal(publish.parentSpanId, server.spanId, "the publish (SPAN_KIND_CLIENT) is a child of the delivery's server span");
  const publishCall = sidecarCalls.find((c) => c.method === "POST" && c.url.startsWith("/v1.0/publish/pubsub/shipments"));
  assert.ok(publishCall, `the SDK published over HTTP (calls: ${JSON.stringify(sidecarCalls)})`);
  assert.equal(publishCall.traceparent, `00-${traceId}-${publish.spanId}-01`, "the sidecar receives the client span as the publish's parent");
  assert.ok(!received.some((s) => s.name.includes("healthz")), "the health probe is not traced");
  assert.ok(received.every((s) => s.traceId === traceId), "calls to the sidecar outside a delivery start no traces");
});

// A minimal reader of OTLP's ExportTraceServiceRequest (opentelemetry-proto collector/trace/v1): resource_spans (1) →
// resource (1: attributes 1 as key 1, value 2 → string_value 1) and scope_spans (2) → spans (2): trace_id 1, span_id 2,
// parent_span_id 4, name 5, kind 6.
function readExport(body: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of fields(body, 1)) {
    let service = "";
    for (const resource of fields(resourceSpans, 1)) {
      for (const attribute of fields(resource, 1)) {
        const key = fields(attribute, 1)[0]?.toString();
        const value = fields(attribute, 2).flatMap((any) => fields(any, 1))[0]?.toString();
        if (key === "service.name" && value !== undefined) {
          service = value;
        }
      }
    }
    for (const scopeSpans of fields(resourceSpans, 2)) {
      for (const span of fields(scopeSpans, 2)) {
        spans.push({
          service,
          traceId: fields(span, 1)[0]?.toString("hex") ?? "",
          spanId: fields(span, 2)[0]?.toString("hex") ?? "",
          parentSpanId: fields(span, 4)[0]?.toString("hex") ?? "",
          name: fields(span, 5)[0]?.toString() ?? "",
          kind: varintField(span, 6) ?? 0,
        });
      }
    }
  }
  return spans;
}

/** The length-delimited values of one field. */
function fields(message: Buffer, field: number): Buffer[] {
  return walk(message).filter((f) => f.field === field && f.bytes !== undefined).map((f) => f.bytes!);
}

function varintField(message: Buffer, field: number): number | undefined {
  return walk(message).find((f) => f.field === field && f.varint !== undefined)?.varint;
}

function walk(message: Buffer): { field: number; bytes?: Buffer; varint?: number }[] {
  const out: { field: number; bytes?: Buffer; varint?: number }[] = [];
  let offset = 0;
  const varint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = message[offset++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        return result;
      }
      shift += 7;
    }
  };
  while (offset < message.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        out.push({ field, varint: varint() });
        break;
      case 1:
        offset += 8;
        break;
      case 2: {
        const length = varint();
        out.push({ field, bytes: message.subarray(offset, offset + length) });
        offset += length;
        break;
      }
      case 5:
        offset += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${tag & 7} at ${offset}`);
    }
  }
  return out;
}
