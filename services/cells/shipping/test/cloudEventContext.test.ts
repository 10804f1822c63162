import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import express from "express";
import { cloudEventContext, cloudEventOf } from "../src/hosting/cloudEventContext.js";

test("a delivery's CloudEvent attributes reach the handler through its headers object; other bodies give none", async () => {
  const app = express();
  app.use(express.json({ type: ["application/json", "application/cloudevents+json"] }));
  app.use(cloudEventContext());
  app.post("/events", (req, res) => {
    res.json(cloudEventOf(req.headers));
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  try {
    const event = { specversion: "1.0", id: "o-1/confirmed", type: "biodapr.orders.confirmed.v1", source: "orders", data: {} };
    const seen = await (await fetch(url, { method: "POST", headers: { "content-type": "application/cloudevents+json" }, body: JSON.stringify(event) })).json();
    assert.deepEqual(seen, { id: "o-1/confirmed", type: "biodapr.orders.confirmed.v1", source: "orders" });
    const plain = await (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
    assert.deepEqual(plain, { id: "", type: "", source: "" });
    assert.deepEqual(cloudEventOf(undefined), { id: "", type: "", source: "" });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
