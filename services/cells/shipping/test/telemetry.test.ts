import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { otlpEndpoint, startTelemetry } from "../src/hosting/telemetry.js";

// The cell's tracing against a real OTLP/HTTP receiver on loopback: a process started as the cell starts (the telemetry
// module loaded before express) receives one delivery with the sidecar's traceparent, and exports its server span.

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

const received: ReceivedSpan[] = [];
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
    const app = express();
    app.use(express.json({ type: ["application/json", "application/cloudevents+json"] }));
    app.get("/healthz", (_req, res) => void res.send("ok"));
    app.post("/order-confirmed", (_req, res) => void res.json({ status: "SUCCESS" }));
    const server = app.listen(0, "127.0.0.1", () => console.log("port " + server.address().port));
  `;
  cell = spawn(process.execPath, ["--import", telemetryModule, "--input-type=module", "-e", app], {
    cwd: packageDirectory,
    env: { ...process.env, APP_ID: "shipping", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`, OTEL_BSP_SCHEDULE_DELAY: "100" },
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

  const deadline = Date.now() + 20_000;
  while (!received.some((s) => s.traceId === traceId) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const spans = received.filter((s) => s.traceId === traceId);
  assert.equal(spans.length, 1, `one span of the delivery's trace arrives (received: ${JSON.stringify(received)})`);
  const [span] = spans;
  assert.equal(span.kind, 2, "a server span (SPAN_KIND_SERVER)");
  assert.equal(span.parentSpanId, sidecarSpanId, "a child of the sidecar's delivery span");
  assert.equal(span.service, "shipping");
  assert.match(span.name, /^POST/);
  assert.ok(!received.some((s) => s.name.includes("healthz")), "the health probe is not traced");
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
