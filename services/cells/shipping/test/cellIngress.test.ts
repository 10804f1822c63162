import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import express from "express";
import { memoryLogger } from "../src/hosting/log.js";
import { defaultHormones, type ShippingHormones } from "../src/hormones/shippingHormones.js";
import { AdmissionGate } from "../src/ingress/admissionGate.js";
import { cellIngress } from "../src/ingress/cellIngress.js";
import { seededRandom } from "../src/ingress/random.js";
import { CellVitals } from "../src/vitals/cellVitals.js";
import { contractErrors } from "../src/events/contracts.js";

// The ingress on a real HTTP server on loopback, with hormones the test changes.
let hormones: ShippingHormones = defaultHormones;
const vitals = new CellVitals("shipping", () => new Date(), () => 16);
const logger = memoryLogger();
const gate = new AdmissionGate();
let release: (() => void) | undefined;
let base = "";
let server: import("node:http").Server;

before(async () => {
  const app = express();
  app.use(cellIngress({ appApiToken: "s3cret", healthPath: "/healthz", hormones: () => hormones, vitals, random: seededRandom(1), logger, gate }));
  app.get("/healthz", (_req, res) => void res.send("ok"));
  app.post("/events/x", (_req, res) => void res.json({ status: "SUCCESS" }));
  app.post("/events/hold", (_req, res) => {
    release = () => void res.json({ status: "SUCCESS" });
  });
  app.get("/dapr/subscribe", (_req, res) => void res.json([]));
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, token?: string) => fetch(base + path, { method: "POST", headers: token === undefined ? {} : { "dapr-api-token": token } });

test("callbacks without the sidecar's token, or with a wrong one, are 401 problems; with it they pass", async () => {
  const none = await post("/events/x");
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("content-type"), "application/problem+json");
  assert.match((await none.json()).detail, /dapr-api-token/);
  assert.equal((await post("/events/x", "s3cre")).status, 401);
  assert.equal((await post("/events/x", "s3cret!")).status, 401);
  assert.equal((await fetch(base + "/dapr/subscribe")).status, 401);
  assert.equal((await post("/events/x", "s3cret")).status, 200);
  assert.deepEqual(logger.lines.filter((l) => l.message === "Rejected a sidecar callback").map((l) => l.fields?.reason), ["no sidecar token", "wrong sidecar token", "wrong sidecar token", "no sidecar token"]);
});

test("the health probe needs no token and never gets a pathogen", async () => {
  hormones = { ...defaultHormones, pathogens: { ...defaultHormones.pathogens, outage: true } };
  try {
    assert.equal((await fetch(base + "/healthz")).status, 200);
  } finally {
    hormones = defaultHormones;
  }
});

test("an outage pathogen answers 503 and an error rate fails about that share; vitals count them", async () => {
  vitals.close();
  hormones = { ...defaultHormones, pathogens: { ...defaultHormones.pathogens, outage: true } };
  assert.equal((await post("/events/x", "s3cret")).status, 503);
  hormones = { ...defaultHormones, pathogens: { ...defaultHormones.pathogens, errorRate: 0.5 } };
  let failed = 0;
  for (let i = 0; i < 200; i++) {
    if ((await post("/events/x", "s3cret")).status === 503) {
      failed++;
    }
  }
  hormones = defaultHormones;
  assert.ok(failed > 70 && failed < 130, `about half of 200 fail, not ${failed}`);
  const [window] = vitals.close();
  assert.equal(window!.name, "POST /events/x");
  assert.equal(window!.calls, 201);
  assert.equal(window!.serverErrors, failed + 1);
  assert.equal(window!.successes, 200 - failed);
  assert.equal(contractErrors("biodapr.vitals.v1", { cell: "shipping", inFlight: 0, windows: [window] }), null);
});

test("beyond its worker slots (maxConcurrency minus the slotReduction pathogen) a request is shed with Retry-After", async () => {
  hormones = { ...defaultHormones, admission: { ...defaultHormones.admission, maxConcurrency: 2, shedStatusCode: 429, retryAfterSeconds: 3 }, pathogens: { ...defaultHormones.pathogens, slotReduction: 1 } };
  try {
    const held = post("/events/hold", "s3cret");
    while (gate.inFlight === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const shed = await post("/events/x", "s3cret");
    assert.equal(shed.status, 429);
    assert.equal(shed.headers.get("retry-after"), "3");
    release!();
    assert.equal((await held).status, 200);
    assert.equal(gate.inFlight, 0, "the slot is given back");
    assert.equal((await post("/events/x", "s3cret")).status, 200);
  } finally {
    hormones = defaultHormones;
  }
});

test("the admission queue lets waiting requests in, in order, as slots free", async () => {
  const fifo = new AdmissionGate();
  assert.equal(await fifo.enter(1, 2), true);
  const order: number[] = [];
  const second = fifo.enter(1, 2).then((ok) => order.push(2) && ok);
  const third = fifo.enter(1, 2).then((ok) => order.push(3) && ok);
  assert.equal(await fifo.enter(1, 2), false, "the queue is full");
  fifo.exit();
  fifo.exit();
  assert.deepEqual(await Promise.all([second, third]), [true, true]);
  assert.deepEqual(order, [2, 3]);
  fifo.exit();
  assert.equal(fifo.inFlight, 0);
});
